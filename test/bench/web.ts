// Benchmark: the package pages, rendered on the server, against the GraphQL `package` query of the same packages.
//   npm run bench:web -- [--packages 10000] [--entries 8] [--concurrency 50] [--requests 20000]
// Seeds a scratch database through the path crawls record their results by (the recording activity: event
// appended, read models projected, changelog stored as a blob), starts the API in its own process (as
// `changelogs api` runs), and has `concurrency` readers, each on its own keep-alive connection, request
// pages of packages drawn uniformly at random: time to first byte (the response's status line and headers)
// p50/p99, and the whole response. Three passes, with the same packages in the same order:
//   1. cold: every package once, each page rendered from Postgres (the cache is empty);
//   2. pages: `requests` pages of random packages, the rendered-page cache as it serves (kept until a crawl
//      result of the package arrives, at most 5,000 pages);
//   3. GraphQL: the `package` query asking for what the page shows (summary, latest version, changelog
//      entries, 30 crawls), for the same packages as pass 2.
// The last line is one JSON object: {"ttfbP50Ms", "ttfbP99Ms", "graphqlP50Ms"} (pass 2's TTFB, pass 3's p50).
// Needs Postgres (DATABASE_URL's server, or 127.0.0.1:5432); creates and drops its own database.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Pool } from 'pg';
import { API_ENVIRONMENT } from '../../api/nodeFlags';
import { startApi } from '../../api/server';
import { packagePath } from '../../api/pages/paths';
import { loadConfig } from '../../infra/config';
import { dropDatabase, openDatabase } from '../../infra/db';
import type { Registry } from '../../workflows/types';
import { recordRelease } from '../support/releases';
import { percentile, type ServerProcess, startServerProcess, summary } from './support';

const { values: args } = parseArgs({
  options: {
    packages: { type: 'string', default: '10000' },
    entries: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '50' },
    requests: { type: 'string', default: '20000' },
    /** Internal: run the API server on this database and print its URL. */
    serve: { type: 'string' },
  },
});
const PACKAGES = Number(args.packages);
const ENTRIES = Number(args.entries);
const CONCURRENCY = Number(args.concurrency);
const REQUESTS = Number(args.requests);
const REGISTRIES: Registry[] = ['npm', 'rubygems', 'pypi'];
/** The latency columns of this benchmark's lines: p50, p90, p99 and max, aligned. */
const WEB_SUMMARY = { percentiles: [50, 90, 99], width: 6 };
const WORDS = ['parser', 'stream', 'cache', 'router', 'schema', 'client', 'server', 'logger', 'queue', 'config', 'format', 'watch', 'color', 'date', 'yaml', 'json'];

interface Seeded {
  registry: Registry;
  name: string;
}

function packageOf(i: number): Seeded {
  const registry = REGISTRIES[i % 3]!;
  const name = `${WORDS[i % WORDS.length]}-${WORDS[(i * 7) % WORDS.length]}-${i}`;
  return { registry, name: registry === 'npm' && i % 10 === 0 ? `@bench/${name}` : name };
}

/** Each package: one found crawl of its latest version, whose changelog has ENTRIES entries. */
async function seed(pool: Pool): Promise<Seeded[]> {
  const packages = Array.from({ length: PACKAGES }, (_, i) => packageOf(i));
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < packages.length) {
        const i = next++;
        const { registry, name } = packages[i]!;
        const entries = Array.from({ length: ENTRIES }, (_, e) => ({
          version: `1.${ENTRIES - e}.0`,
          body: `Fixed ${WORDS[(i + e) % WORDS.length]} handling when the ${WORDS[(i * 3 + e) % WORDS.length]} is empty. Added an option to ${WORDS[(i * 5 + e) % WORDS.length]} the ${WORDS[(i + 2 * e) % WORDS.length]} output, and documented it.`,
        }));
        await recordRelease(pool, { registry, name, version: `1.${ENTRIES}.0`, summary: `A ${WORDS[(i * 11) % WORDS.length]} library`, entries });
        if (i % 1000 === 999) process.stdout.write(`  seeded ${i + 1} packages, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
      }
    }),
  );
  await pool.query('VACUUM ANALYZE');
  return packages;
}

/** Child mode: the API on the seeded database, as `changelogs api` runs it. */
async function serve(databaseUrl: string): Promise<void> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, NPM_REGISTRY_URL: 'http://127.0.0.1:9', API_TOKEN: 'bench', TEMPORAL_UI_URL: 'http://localhost:8233' });
  const pool = await openDatabase(config.databaseUrl);
  const api = await startApi({ config, pool, temporal: {} as never, taskQueue: 'bench' }, 0);
  console.log(`listening ${api.url}`);
  process.once('SIGTERM', () => void api.close(1_000).then(() => pool.end()).then(() => process.exit(0)));
}

interface Timing {
  ttfb: number;
  total: number;
}

/** One request on the shared keep-alive agent: time to the status line and headers, and to the end. */
function request(agent: http.Agent, port: number, method: string, path: string, body?: string): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      { agent, host: '127.0.0.1', port, path, method, headers: body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {} },
      (res) => {
        const ttfb = performance.now() - t0;
        let size = 0;
        res.on('data', (chunk: Buffer) => (size += chunk.length));
        res.on('end', () => {
          if (res.statusCode !== 200 || size === 0) reject(new Error(`${method} ${path}: ${res.statusCode}`));
          else resolve({ ttfb, total: performance.now() - t0 });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function load(total: number, call: (i: number) => Promise<Timing>): Promise<{ timings: Timing[]; seconds: number }> {
  const timings: Timing[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) timings.push(await call(next++));
    }),
  );
  return { timings, seconds: (performance.now() - started) / 1000 };
}

const PACKAGE_QUERY = `query ($registry: Registry!, $name: String!) {
  package(registry: $registry, name: $name) {
    registry name latestVersion summary
    changelog { fileName sourceUrl version entries { version date title html sections { kind title } yanked prerelease } }
    crawls(first: 30) { edges { node { workflowId runId version outcome finishedAt error } } }
  }
}`;

async function main(): Promise<void> {
  if (args.serve) return serve(args.serve);
  const base = new URL(process.env.DATABASE_URL || `postgres://${process.env.PGUSER || os.userInfo().username}@127.0.0.1:5432/postgres`);
  base.pathname = `/changelogs_bench_web_${randomBytes(3).toString('hex')}`;
  const config = loadConfig({ DATABASE_URL: base.toString(), NPM_REGISTRY_URL: 'http://127.0.0.1:9' });
  const pool = await openDatabase(config.databaseUrl);
  let server: ServerProcess | null = null;
  try {
    const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
    console.log(`# changelogs web benchmark — ${new Date().toISOString()}`);
    console.log(`command: npm run bench:web -- ${process.argv.slice(2).join(' ')}`.trim());
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}, Postgres ${rows[0]!.server_version}; the API in its own process (pool of 10 connections), ${CONCURRENCY} readers in this one`);
    const t0 = performance.now();
    const packages = await seed(pool);
    console.log(`seeded ${PACKAGES} packages × ${ENTRIES} changelog entries through the recording activity in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    server = await startServerProcess(__filename, ['--serve', config.databaseUrl], { env: API_ENVIRONMENT });
    const port = Number(new URL(server.url).port);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    // The same random packages for the page and GraphQL passes.
    let seedState = 42;
    const random = () => ((seedState = (seedState * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const drawn = Array.from({ length: REQUESTS }, () => packages[Math.floor(random() * packages.length)]!);
    const page = (p: Seeded) => () => request(agent, port, 'GET', packagePath(p.registry, p.name));
    const graphql = (p: Seeded) => () => request(agent, port, 'POST', '/graphql', JSON.stringify({ query: PACKAGE_QUERY, variables: { registry: p.registry.toUpperCase(), name: p.name } }));
    // Warm-up (JIT, connections, statements): GraphQL and the front page, which do not fill the page cache.
    await load(1_000, (i) => graphql(packages[i % packages.length]!)());
    await load(200, () => request(agent, port, 'GET', '/'));

    const shuffled = [...packages].sort(() => random() - 0.5);
    const report = (label: string, run: { timings: Timing[]; seconds: number }) => {
      console.log(`${label.padEnd(34)} TTFB ${summary(run.timings.map((t) => t.ttfb), WEB_SUMMARY)}`);
      console.log(`${''.padEnd(34)} full ${summary(run.timings.map((t) => t.total), WEB_SUMMARY)}  ${(run.timings.length / run.seconds).toFixed(0)} req/s`);
    };
    const cold = await load(shuffled.length, (i) => page(shuffled[i]!)());
    report(`cold pages (${shuffled.length}, all rendered)`, cold);
    const pages = await load(drawn.length, (i) => page(drawn[i]!)());
    report(`pages (${drawn.length} random)`, pages);
    const gql = await load(drawn.length, (i) => graphql(drawn[i]!)());
    report(`GraphQL package (same ${drawn.length})`, gql);
    agent.destroy();
    const sorted = (run: { timings: Timing[] }, key: keyof Timing) => run.timings.map((t) => t[key]).sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    console.log(
      JSON.stringify({
        ttfbP50Ms: round(percentile(sorted(pages, 'ttfb'), 50)),
        ttfbP99Ms: round(percentile(sorted(pages, 'ttfb'), 99)),
        graphqlP50Ms: round(percentile(sorted(gql, 'total'), 50)),
      }),
    );
  } finally {
    await server?.stop();
    await pool.end();
    await dropDatabase(config.databaseUrl);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
