// Benchmark: the GraphQL API on a scratch database.
//   npx tsx test/bench/api.ts [--packages 100000] [--concurrency 200] [--requests 6000] [--subscribers 1000] [--events 20]
// 1. search over synthetic packages: latency at N concurrent HTTP requests, beside the same SQL run
//    straight on a pool of the same size at the same concurrency (the API's overhead), and run alone;
//    beside them the floor: the same concurrency of `{ __typename }`, the cheapest request GraphQL serves;
// 2. live stream: append → received by each of M concurrent graphql-ws subscribers.
// The API runs in a child process (as it would in production), the load generator in this one, on the same
// cores: each line also gives the CPU time a request cost the API process, Postgres and the load generator
// (from /proc, so it holds even when other work shares the machine and makes the latencies noisy).
// HTTP requests go over keep-alive connections (node:http, one per concurrent client), opened before the
// timing starts: a load generator that costs the server's cores less, and latencies of requests rather than
// of 200 simultaneous TCP handshakes.
// Needs Postgres (DATABASE_URL's server, or 127.0.0.1:5432); creates and drops its own database.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import type { Pool } from 'pg';
import WebSocket from 'ws';
import { appendAndProject } from '../../eventStore/appendAndProject';
import { encodeLogCursor } from '../../eventStore/logPosition';
import { readLogHead } from '../../eventStore/readLogBatch';
import { runSearch } from '../../api/resolvers/search';
import { startApi } from '../../api/server';
import { loadConfig } from '../../infra/config';
import { dropDatabase, openDatabase } from '../../infra/db';

const { values: args } = parseArgs({
  options: {
    packages: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '200' },
    requests: { type: 'string', default: '6000' },
    subscribers: { type: 'string', default: '1000' },
    events: { type: 'string', default: '20' },
    /** Only seed the scratch database and keep it (for EXPLAIN ANALYZE). */
    'seed-only': { type: 'boolean', default: false },
    /** Internal: run the API server on this database and print its URL. */
    serve: { type: 'string' },
  },
});
const PACKAGES = Number(args.packages);
const CONCURRENCY = Number(args.concurrency);
const REQUESTS = Number(args.requests);
const SUBSCRIBERS = Number(args.subscribers);
const EVENTS = Number(args.events);

const WORDS = ['react', 'express', 'lodash', 'json', 'http', 'client', 'server', 'parser', 'date', 'time', 'color', 'cli', 'logger', 'stream', 'cache', 'queue',
  'test', 'mock', 'schema', 'config', 'router', 'auth', 'crypto', 'image', 'yaml', 'markdown', 'template', 'graph', 'async', 'promise', 'retry', 'fetch',
  'socket', 'redis', 'postgres', 'mongo', 'orm', 'query', 'form', 'table', 'chart', 'icon', 'font', 'style', 'lint', 'format', 'bundle', 'compile', 'watch', 'file'];
const ADJECTIVES = ['fast', 'tiny', 'simple', 'robust', 'typed', 'modern', 'lightweight', 'flexible', 'minimal', 'secure'];
const QUERIES = ['react', 'express', 'lodash', 'react-dom', 'json-parser', 'http client', 'fast json', 'date', 'orm', 'logger', 'redis cache', 'markdown',
  'yaml parser', 'retry', 'typed schema', 'secure auth', 'chart', 'stream', 'lint', 'watch file'];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(latencies: number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1).padStart(7);
  return `p50 ${f(percentile(sorted, 50))} ms  p95 ${f(percentile(sorted, 95))} ms  p99 ${f(percentile(sorted, 99))} ms  max ${f(sorted.at(-1) ?? NaN)} ms`;
}

/** CPU seconds (user + system) a process has used, from /proc; null where that cannot be read. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/**
 * Starts measuring the CPU time spent by the API process, the database's backends and this process; `stop`
 * gives it per request.
 */
async function startCpuMeter(pool: Pool, apiPid: number): Promise<{ stop(requests: number): Promise<string> }> {
  const backends = async () =>
    (await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')).rows.map((r) => r.pid);
  const before = new Map((await backends()).map((pid) => [pid, cpuSeconds(pid)]));
  const apiBefore = cpuSeconds(apiPid);
  const self = process.cpuUsage();
  return {
    async stop(requests) {
      const used = process.cpuUsage(self);
      const apiAfter = cpuSeconds(apiPid);
      // A backend gone by now was an idle one the pool closed: it counts for nothing.
      let db: number | null = 0;
      for (const pid of new Set([...before.keys(), ...(await backends())])) {
        const [then, now] = [before.get(pid), cpuSeconds(pid)];
        if (then === null) db = null;
        else if (db !== null && now !== null) db += now - (then ?? 0);
      }
      const ms = (seconds: number | null) => (seconds === null ? 'n/a' : ((seconds * 1000) / requests).toFixed(2));
      return `CPU/req: API ${ms(apiBefore === null || apiAfter === null ? null : apiAfter - apiBefore)}, Postgres ${ms(db)}, load generator ${ms((used.user + used.system) / 1e6)} ms`;
    },
  };
}

/** Runs `total` calls of `call`, `concurrency` at a time; returns each call's latency in ms and the wall time. */
async function load(total: number, concurrency: number, call: (i: number) => Promise<void>): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await call(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - started) / 1000 };
}

async function seed(pool: Pool): Promise<void> {
  const words = `ARRAY[${WORDS.map((w) => `'${w}'`).join(',')}]`;
  const adjectives = `ARRAY[${ADJECTIVES.map((w) => `'${w}'`).join(',')}]`;
  const n = WORDS.length;
  // Single words, then two-word names, then numbered three-part names, spread over the three registries.
  await pool.query(
    `INSERT INTO packages (registry, name, latest_version, summary, updated_at)
     SELECT (ARRAY['npm','rubygems','pypi'])[1 + i % 3],
            CASE WHEN i <= ${n} THEN (${words})[i]
                 WHEN i <= ${n + n * n} THEN (${words})[1 + (i - ${n}) % ${n}] || '-' || (${words})[1 + ((i - ${n}) / ${n}) % ${n}]
                 ELSE (${words})[1 + i % ${n}] || '-' || (${words})[1 + (i / ${n}) % ${n}] || '-' || i END,
            '1.' || (i % 20) || '.0',
            'A ' || (${adjectives})[1 + i % 10] || ' ' || (${words})[1 + (i * 7) % ${n}] || ' library for ' || (${words})[1 + (i * 13) % ${n}] || ' and ' || (${words})[1 + (i * 17) % ${n}],
            now()
       FROM generate_series(1, $1) AS i
     ON CONFLICT DO NOTHING`,
    [PACKAGES],
  );
  // A changelog for one package in ten: three entries each (the trigger builds their search documents).
  await pool.query(
    `INSERT INTO changelog_entries (registry, name, ordinal, version, title, body, html, sections, unreleased, yanked, prerelease)
     SELECT p.registry, p.name, o, '1.' || (3 - o) || '.0', '1.' || (3 - o) || '.0',
            'Fixed ' || (${words})[1 + (length(p.name) * (o + 3)) % ${n}] || ' handling when ' || (${words})[1 + (length(p.name) * (o + 5)) % ${n}] || ' is empty.',
            '<p>fixed</p>', '[]', false, false, false
       FROM (SELECT registry, name FROM packages WHERE hashtext(name) % 10 = 0) p, generate_series(0, 2) AS o`,
  );
  await pool.query('VACUUM ANALYZE packages');
  await pool.query('ANALYZE changelog_entries');
}

const REGISTRY_ARGS = [null, 'NPM', 'RUBYGEMS', 'PYPI'] as const;

interface SearchRequest {
  query: string;
  registry: (typeof REGISTRY_ARGS)[number];
  first: number;
}

/** The 20 popular queries, over and over: identical requests share results for a couple of seconds. */
const popular = (i: number): SearchRequest => ({ query: QUERIES[i % QUERIES.length]!, registry: null, first: 20 });
/** Two-word text queries, registry filters and page sizes varied so that almost no two requests are alike. */
const varied = (i: number): SearchRequest => ({
  query: `${ADJECTIVES[i % ADJECTIVES.length]} ${WORDS[(i * 7 + Math.floor(i / 10)) % WORDS.length]}`,
  registry: REGISTRY_ARGS[Math.floor(i / 500) % 4]!,
  first: 10 + (Math.floor(i / 2000) % 21),
});

async function benchSearch(pool: Pool, api: { url: string; pid: number }): Promise<void> {
  const SEARCH = 'query ($q: String!, $r: Registry, $first: Int) { search(query: $q, registry: $r, first: $first) { edges { match node { registry name latestVersion summary } } pageInfo { hasNextPage endCursor } } }';
  const target = new URL(api.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const post = (body: string) =>
    new Promise<{ errors?: unknown }>((resolve, reject) => {
      const request = http.request(
        { agent, host: '127.0.0.1', port: target.port, path: target.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { errors?: unknown });
            } catch (err) {
              reject(err as Error);
            }
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const viaHttp = (requestOf: (i: number) => SearchRequest) => async (i: number) => {
    const { query, registry, first } = requestOf(i);
    const json = await post(JSON.stringify({ query: SEARCH, variables: { q: query, r: registry, first } }));
    if (json.errors) throw new Error(JSON.stringify(json.errors));
  };
  // The floor: the cheapest request the API serves, through the same HTTP server, yoga and plugins.
  const trivial = async () => {
    const json = await post('{"query":"{ __typename }"}');
    if (json.errors) throw new Error(JSON.stringify(json.errors));
  };
  // The server closes idle keep-alive connections after a few seconds: open them again before each timing.
  const openConnections = () => load(2 * CONCURRENCY, CONCURRENCY, () => trivial().catch(() => undefined));
  const measured = async (total: number, concurrency: number, call: (i: number) => Promise<void>) => {
    const meter = await startCpuMeter(pool, api.pid);
    const run = await load(total, concurrency, call);
    return { ...run, cpu: await meter.stop(total) };
  };
  const rate = (total: number, seconds: number) => `${(total / seconds).toFixed(0).padStart(5)} req/s`;
  // The statements the resolver runs, without GraphQL, HTTP or the result cache.
  const viaSql = (requestOf: (i: number) => SearchRequest) => async (i: number) => {
    const { query, registry, first } = requestOf(i);
    await runSearch({ pool }, query, registry?.toLowerCase() ?? null, null, first + 1);
  };
  const matches = await Promise.all(QUERIES.map(async (q) => (await runSearch({ pool }, q, null, null, 1_000_000)).length));
  console.log(`popular queries: ${QUERIES.length} (${QUERIES.join(', ')}); matches per query: median ${[...matches].sort((a, b) => a - b)[matches.length >> 1]}, max ${Math.max(...matches)}`);
  console.log(`varied queries: "<adjective> <word>" × registry filter × page size 10-30 (e.g. "${varied(1234).query}")`);
  await load(400, 20, viaHttp(varied)); // warm-up: caches, JIT
  await openConnections();
  const floor = await measured(REQUESTS, CONCURRENCY, trivial);
  console.log(`floor          { __typename } over HTTP, ${CONCURRENCY} at once ${summary(floor.latencies)}  ${rate(REQUESTS, floor.seconds)}  ${floor.cpu}`);
  for (const [label, requestOf] of [['popular', popular], ['varied', varied]] as const) {
    const serial = await load(Math.min(REQUESTS, 500), 1, viaSql(requestOf));
    const sql = await measured(REQUESTS, CONCURRENCY, viaSql(requestOf));
    await openConnections();
    const viaApi = await measured(REQUESTS, CONCURRENCY, viaHttp(requestOf));
    console.log(`search ${label.padEnd(7)} SQL, 1 at a time                 ${summary(serial.latencies)}`);
    console.log(`search ${label.padEnd(7)} SQL, ${CONCURRENCY} at once on the pool      ${summary(sql.latencies)}  ${rate(REQUESTS, sql.seconds)}  ${sql.cpu}`);
    console.log(`search ${label.padEnd(7)} GraphQL over HTTP, ${CONCURRENCY} at once ${summary(viaApi.latencies)}  ${rate(REQUESTS, viaApi.seconds)}  ${viaApi.cpu}`);
  }
  // Below saturation: what one request costs through the API, without queueing behind 199 others.
  const light = await load(1_000, 4, viaHttp(varied));
  const lightSql = await load(1_000, 4, viaSql(varied));
  console.log(`search varied  SQL, 4 at once                    ${summary(lightSql.latencies)}`);
  console.log(`search varied  GraphQL over HTTP, 4 at once      ${summary(light.latencies)}  ${rate(1_000, light.seconds)}`);
  agent.destroy();
}

async function benchStream(pool: Pool, url: string): Promise<void> {
  const after = encodeLogCursor(await readLogHead(pool));
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let received = 0;
  let acknowledged = 0;
  const clients = Array.from({ length: SUBSCRIBERS }, () =>
    createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, on: { connected: () => void acknowledged++ } }),
  );
  let allReceived: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allReceived = resolve));
  for (const client of clients) {
    client.subscribe<{ crawls: { version: string } }>(
      { query: 'subscription ($after: String) { crawls(after: $after) { cursor name version outcome at } }', variables: { after } },
      {
        next: ({ data }) => {
          const at = sentAt.get(data!.crawls.version);
          if (at !== undefined) latencies.push(performance.now() - at);
          if (++received === SUBSCRIBERS * EVENTS) allReceived();
        },
        error: (err) => console.error('subscriber error', err),
        complete: () => undefined,
      },
    );
  }
  while (acknowledged < SUBSCRIBERS) await new Promise((resolve) => setTimeout(resolve, 50));
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // every subscription registered with the follower
  for (let i = 0; i < EVENTS; i++) {
    const version = `9.0.${i}`;
    const now = new Date().toISOString();
    sentAt.set(version, performance.now());
    await appendAndProject(pool, `npm:bench-stream@${version}`, [
      {
        eventId: `npm:bench-stream@${version}/crawled`,
        type: 'ReleaseCrawled',
        data: { registry: 'npm', name: 'bench-stream', version, outcome: 'not_found', publishedAt: null, latestVersion: version, summary: null, changelog: null, reason: null,
          crawl: { workflowId: `crawl:npm:bench-stream@${version}`, runId: 'bench', startedAt: now }, finishedAt: now },
      },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  console.log(`stream, append → received (${SUBSCRIBERS} graphql-ws subscribers × ${EVENTS} events, ${received}/${SUBSCRIBERS * EVENTS} delivered) ${summary(latencies)}`);
  await Promise.all(clients.map((c) => c.dispose()));
}

/** Child mode: the API on the seeded database, as `changelogs api` runs it. */
async function serve(databaseUrl: string): Promise<void> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, NPM_REGISTRY_URL: 'http://127.0.0.1:9', API_TOKEN: 'bench' });
  const pool = await openDatabase(config.databaseUrl);
  const api = await startApi({ config, pool, temporal: {} as never, taskQueue: 'bench' }, 0);
  console.log(`listening ${api.url}`);
  process.once('SIGTERM', () => void api.close().then(() => pool.end()).then(() => process.exit(0)));
}

async function startServerProcess(databaseUrl: string): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', __filename, '--serve', databaseUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the API process exited (${code})`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  if (args.serve) return serve(args.serve);
  const base = new URL(process.env.DATABASE_URL || `postgres://${process.env.PGUSER || os.userInfo().username}@127.0.0.1:5432/postgres`);
  base.pathname = `/changelogs_bench_${randomBytes(3).toString('hex')}`;
  const config = loadConfig({ DATABASE_URL: base.toString(), NPM_REGISTRY_URL: 'http://127.0.0.1:9', API_TOKEN: 'bench' });
  const pool = await openDatabase(config.databaseUrl);
  try {
    const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
    console.log(`# changelogs API benchmark — ${new Date().toISOString()}`);
    console.log(`command: npx tsx test/bench/api.ts ${process.argv.slice(2).join(' ')}`.trim());
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, node ${process.version}, Postgres ${rows[0]!.server_version}; API in its own process (pool of 10 connections, search results and responses cached 2 s), load generator in this one`);
    const t0 = performance.now();
    await seed(pool);
    const counts = await pool.query<{ packages: string; entries: string }>('SELECT (SELECT count(*) FROM packages) AS packages, (SELECT count(*) FROM changelog_entries) AS entries');
    console.log(`seeded ${counts.rows[0]!.packages} packages, ${counts.rows[0]!.entries} changelog entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (args['seed-only']) {
      console.log(`kept ${config.databaseUrl}`);
      return;
    }
    const api = await startServerProcess(config.databaseUrl);
    try {
      await benchSearch(pool, api);
      await benchStream(pool, api.url);
    } finally {
      await api.stop();
    }
  } finally {
    await pool.end();
    if (!args['seed-only']) await dropDatabase(config.databaseUrl);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
