// Benchmark: the GraphQL API on a scratch database.
//   npx tsx test/bench/api.ts [--packages 100000] [--concurrency 200] [--requests 6000] [--subscribers 1000] [--events 20]
// 1. search over synthetic packages: latency at N concurrent HTTP requests, beside the same SQL run
//    straight on a pool of the same size at the same concurrency (the API's overhead), and run alone;
// 2. live stream: append → received by each of M concurrent graphql-ws subscribers.
// The API runs in a child process (as it would in production), the load generator in this one.
// Needs Postgres (DATABASE_URL's server, or 127.0.0.1:5432); creates and drops its own database.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import type { Pool } from 'pg';
import WebSocket from 'ws';
import { appendAndProject } from '../../activities/eventStore/appendAndProject';
import { encodeLogCursor } from '../../activities/eventStore/logPosition';
import { readLogHead } from '../../activities/eventStore/readLogBatch';
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

async function benchSearch(pool: Pool, url: string): Promise<void> {
  const SEARCH = 'query ($q: String!, $r: Registry, $first: Int) { search(query: $q, registry: $r, first: $first) { edges { match node { registry name latestVersion summary } } pageInfo { hasNextPage endCursor } } }';
  const viaHttp = (requestOf: (i: number) => SearchRequest) => async (i: number) => {
    const { query, registry, first } = requestOf(i);
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: SEARCH, variables: { q: query, r: registry, first } }) });
    const json = (await response.json()) as { errors?: unknown };
    if (json.errors) throw new Error(JSON.stringify(json.errors));
  };
  // The statements the resolver runs, without GraphQL, HTTP or the result cache.
  const viaSql = (requestOf: (i: number) => SearchRequest) => async (i: number) => {
    const { query, registry, first } = requestOf(i);
    await runSearch({ pool }, query, registry?.toLowerCase() ?? null, null, first + 1);
  };
  const matches = await Promise.all(QUERIES.map(async (q) => (await runSearch({ pool }, q, null, null, 1_000_000)).length));
  console.log(`popular queries: ${QUERIES.length} (${QUERIES.join(', ')}); matches per query: median ${[...matches].sort((a, b) => a - b)[matches.length >> 1]}, max ${Math.max(...matches)}`);
  console.log(`varied queries: "<adjective> <word>" × registry filter × page size 10-30 (e.g. "${varied(1234).query}")`);
  await load(400, 20, viaHttp(varied)); // warm-up: caches, JIT
  for (const [label, requestOf] of [['popular', popular], ['varied', varied]] as const) {
    const serial = await load(Math.min(REQUESTS, 500), 1, viaSql(requestOf));
    const sql = await load(REQUESTS, CONCURRENCY, viaSql(requestOf));
    const http = await load(REQUESTS, CONCURRENCY, viaHttp(requestOf));
    console.log(`search ${label.padEnd(7)} SQL, 1 at a time             ${summary(serial.latencies)}`);
    console.log(`search ${label.padEnd(7)} SQL, ${CONCURRENCY} at once on the pool  ${summary(sql.latencies)}  ${(REQUESTS / sql.seconds).toFixed(0)} req/s`);
    console.log(`search ${label.padEnd(7)} GraphQL over HTTP, ${CONCURRENCY} at once ${summary(http.latencies)}  ${(REQUESTS / http.seconds).toFixed(0)} req/s`);
  }
  // Below saturation: what one request costs through the API, without queueing behind 199 others.
  const light = await load(1_000, 4, viaHttp(varied));
  const lightSql = await load(1_000, 4, viaSql(varied));
  console.log(`search varied  SQL, 4 at once                ${summary(lightSql.latencies)}`);
  console.log(`search varied  GraphQL over HTTP, 4 at once  ${summary(light.latencies)}  ${(1_000 / light.seconds).toFixed(0)} req/s`);
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

async function startServerProcess(databaseUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
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
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, node ${process.version}, Postgres ${rows[0]!.server_version}; API in its own process (pool of 10 connections, 2 s search cache), load generator in this one`);
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
      await benchSearch(pool, api.url);
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
