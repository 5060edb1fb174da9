// Benchmark: the GraphQL API on a scratch database.
//   npx tsx test/bench/api.ts [--packages 100000] [--concurrency 200] [--requests 6000] [--rounds 3] [--variants a,b,…]
//                             [--subscribers 1000] [--events 20]
// 1. search over synthetic packages: latency at N concurrent HTTP requests, beside the same SQL run
//    straight on a pool of the same size at the same concurrency (the API's overhead), and run alone;
//    beside them the floor: the same concurrency of `{ __typename }`, the cheapest request GraphQL serves.
//    Several API servers answer the same requests, taking turns round by round so that ratios hold on a
//    machine whose speed drifts (--variants, see VARIANTS): the API as it is, its former hand-written limits
//    and caches, and the API without each of the hand-written parts it keeps;
// 2. live stream: append → received by each of M concurrent graphql-ws subscribers (the API as it is).
// The APIs run in child processes (as in production), the load generator in this one, on the same cores:
// each line also gives the CPU time a request cost the API process, Postgres and the load generator (from
// /proc, so it holds even when other work shares the machine and makes the latencies noisy).
// HTTP requests go over keep-alive connections (node:http, one per concurrent client), opened before the
// timing starts: a load generator that costs the server's cores less, and latencies of requests rather than
// of 200 simultaneous TCP handshakes.
// Needs Postgres (DATABASE_URL's server, or 127.0.0.1:5432); creates and drops its own database.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import type { Pool } from 'pg';
import WebSocket from 'ws';
import { appendAndProject } from '../../eventStore/appendAndProject';
import { encodeLogCursor } from '../../eventStore/logPosition';
import { readLogHead } from '../../eventStore/readLogBatch';
import { API_ENVIRONMENT } from '../../api/nodeFlags';
import { runSearch } from '../../api/resolvers/search';
import { startApi } from '../../api/server';
import type { ApiOptions } from '../../api/graphql';
import { handWrittenOptions } from './handWritten';
import { closedLoop, cpuSeconds, jsonPoster, median, percentile, type ServerProcess, startBackendCpu, startServerProcess, summary } from './support';
import type { Plugin } from 'graphql-yoga';
import type { ApiContext } from '../../api/context';
import { loadConfig } from '../../infra/config';
import { dropDatabase, openDatabase } from '../../infra/db';

const { values: args } = parseArgs({
  options: {
    packages: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '200' },
    requests: { type: 'string', default: '6000' },
    rounds: { type: 'string', default: '3' },
    subscribers: { type: 'string', default: '1000' },
    events: { type: 'string', default: '20' },
    /** Only seed the scratch database and keep it (for EXPLAIN ANALYZE). */
    'seed-only': { type: 'boolean', default: false },
    /** Internal: run the API server on this database and print its URL. */
    serve: { type: 'string' },
    /** Which APIs answer, taking turns (see VARIANTS). */
    variants: { type: 'string', default: 'current,hand-written,yoga-body,no-single-flight' },
    /** Internal: with --serve, the variant to run. */
    variant: { type: 'string', default: 'current' },
  },
});
const PACKAGES = Number(args.packages);
const CONCURRENCY = Number(args.concurrency);
const REQUESTS = Number(args.requests);
const ROUNDS = Number(args.rounds);

/** Each search runs its statement, whether or not an identical one is running. */
const searchWithoutSharing = {
  onContextBuilding({ context, extendContext }) {
    extendContext({ searchPackages: (query, registry, after, limit) => runSearch(context, query, registry, after, limit) });
  },
} satisfies Plugin<ApiContext> as Plugin;

/**
 * `current`: the API as it is. `hand-written`: its former hand-written limits and caches (test/bench/handWritten/)
 * in place of GraphQL Armor and its response cache. The last two each take one hand-written part out of the
 * API as it is, to show what it is for: `yoga-body` lets yoga read every body, `no-single-flight` runs every
 * search's statement even while an identical one is running.
 */
const VARIANTS: Record<string, () => ApiOptions> = {
  current: () => ({}),
  'hand-written': handWrittenOptions,
  'yoga-body': () => ({ readBody: (_req, next) => next() }),
  'no-single-flight': () => ({ plugins: (defaults) => [...defaults, searchWithoutSharing] }),
};
const SUBSCRIBERS = Number(args.subscribers);
const EVENTS = Number(args.events);
/** The latency columns of this benchmark's lines: p50, p95, p99 and max, aligned. */
const API_SUMMARY = { percentiles: [50, 95, 99], width: 7 };

const WORDS = ['react', 'express', 'lodash', 'json', 'http', 'client', 'server', 'parser', 'date', 'time', 'color', 'cli', 'logger', 'stream', 'cache', 'queue',
  'test', 'mock', 'schema', 'config', 'router', 'auth', 'crypto', 'image', 'yaml', 'markdown', 'template', 'graph', 'async', 'promise', 'retry', 'fetch',
  'socket', 'redis', 'postgres', 'mongo', 'orm', 'query', 'form', 'table', 'chart', 'icon', 'font', 'style', 'lint', 'format', 'bundle', 'compile', 'watch', 'file'];
const ADJECTIVES = ['fast', 'tiny', 'simple', 'robust', 'typed', 'modern', 'lightweight', 'flexible', 'minimal', 'secure'];
const QUERIES = ['react', 'express', 'lodash', 'react-dom', 'json-parser', 'http client', 'fast json', 'date', 'orm', 'logger', 'redis cache', 'markdown',
  'yaml parser', 'retry', 'typed schema', 'secure auth', 'chart', 'stream', 'lint', 'watch file'];

/**
 * Starts measuring the CPU time spent by the API process, the database's backends and this process; `stop`
 * gives it per request.
 */
async function startCpuMeter(pool: Pool, apiPid: number): Promise<{ stop(requests: number): Promise<{ text: string; apiMs: number }> }> {
  const backendCpu = await startBackendCpu(pool);
  const apiBefore = cpuSeconds(apiPid);
  const self = process.cpuUsage();
  return {
    async stop(requests) {
      const used = process.cpuUsage(self);
      const apiAfter = cpuSeconds(apiPid);
      const db = await backendCpu();
      const ms = (seconds: number | null) => (seconds === null ? 'n/a' : ((seconds * 1000) / requests).toFixed(2));
      const api = apiBefore === null || apiAfter === null ? null : apiAfter - apiBefore;
      return {
        text: `CPU/req: API ${ms(api)}, Postgres ${ms(db)}, load generator ${ms((used.user + used.system) / 1e6)} ms`,
        apiMs: api === null ? NaN : (api * 1000) / requests,
      };
    },
  };
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

interface Variant {
  /** The first variant is the one the others are compared with. */
  label: string;
  api: ServerProcess;
}

async function benchSearch(pool: Pool, variants: Variant[]): Promise<void> {
  const SEARCH = 'query ($q: String!, $r: Registry, $first: Int) { search(query: $q, registry: $r, first: $first) { edges { match node { registry name latestVersion summary } } pageInfo { hasNextPage endCursor } } }';
  const clientsOf = new Map(variants.map((v) => [v, jsonPoster(v.api.url, CONCURRENCY)]));
  const post = (variant: Variant, body: string) => clientsOf.get(variant)!.post(body);
  const viaHttp = (variant: Variant, requestOf: (i: number) => SearchRequest) => async (i: number) => {
    const { query, registry, first } = requestOf(i);
    const json = await post(variant, JSON.stringify({ query: SEARCH, variables: { q: query, r: registry, first } }));
    if (json.errors) throw new Error(JSON.stringify(json.errors));
  };
  // The floor: the cheapest request the API serves, through the same HTTP server, yoga and plugins.
  const trivial = (variant: Variant) => async () => {
    const json = await post(variant, '{"query":"{ __typename }"}');
    if (json.errors) throw new Error(JSON.stringify(json.errors));
  };
  // The server closes idle keep-alive connections after a few seconds: open them again before each timing.
  const openConnections = (variant: Variant) => closedLoop(2 * CONCURRENCY, CONCURRENCY, () => trivial(variant)().catch(() => undefined));
  const measured = async (variant: Variant, total: number, concurrency: number, call: (i: number) => Promise<void>) => {
    await openConnections(variant);
    const meter = await startCpuMeter(pool, variant.api.pid);
    const run = await closedLoop(total, concurrency, call);
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
  for (const variant of variants) await closedLoop(400, 20, viaHttp(variant, varied)); // warm-up: caches, JIT

  for (const [label, requestOf] of [['popular', popular], ['varied', varied]] as const) {
    const serial = await closedLoop(Math.min(REQUESTS, 500), 1, viaSql(requestOf));
    const sql = await measured(variants[0]!, REQUESTS, CONCURRENCY, viaSql(requestOf));
    console.log(`search ${label.padEnd(7)} SQL, 1 at a time                 ${summary(serial.latencies, API_SUMMARY)}`);
    console.log(`search ${label.padEnd(7)} SQL, ${CONCURRENCY} at once on the pool      ${summary(sql.latencies, API_SUMMARY)}  ${rate(REQUESTS, sql.seconds)}  ${sql.cpu.text}`);
  }

  // Each round runs every case on every variant, the variants' order alternating from round to round.
  type Figures = { p50: number; p99: number; perSecond: number; apiCpuMs: number };
  const cases = [
    ['{ __typename }', (v: Variant) => trivial(v), CONCURRENCY],
    ['search popular', (v: Variant) => viaHttp(v, popular), CONCURRENCY],
    ['search varied', (v: Variant) => viaHttp(v, varied), CONCURRENCY],
    ['search varied, 4 at once', (v: Variant) => viaHttp(v, varied), 4],
  ] as const;
  const results = new Map<string, Figures[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const [caseLabel, callOf, concurrency] of cases) {
      for (const variant of order) {
        const total = concurrency === CONCURRENCY ? REQUESTS : 1_000;
        const run = await measured(variant, total, concurrency, callOf(variant));
        const sorted = [...run.latencies].sort((a, b) => a - b);
        const figures = { p50: percentile(sorted, 50), p99: percentile(sorted, 99), perSecond: total / run.seconds, apiCpuMs: run.cpu.apiMs };
        const key = `${caseLabel}\u0000${variant.label}`;
        results.set(key, [...(results.get(key) ?? []), figures]);
        console.log(`round ${round + 1} ${variant.label.padEnd(21)} ${caseLabel.padEnd(26)} ${summary(run.latencies, API_SUMMARY)}  ${rate(total, run.seconds)}  ${run.cpu.text}`);
      }
    }
  }
  console.log(`\nmedian of ${ROUNDS} rounds (API CPU per request is the figure least moved by other load on the machine):`);
  console.log(`${'case'.padEnd(26)} ${'variant'.padEnd(21)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'req/s'.padStart(7)} ${'API CPU ms/req'.padStart(15)}`);
  for (const [caseLabel] of cases) {
    const rows = variants.map((variant) => {
      const all = results.get(`${caseLabel}\u0000${variant.label}`)!;
      return { variant, p50: median(all.map((f) => f.p50)), p99: median(all.map((f) => f.p99)), perSecond: median(all.map((f) => f.perSecond)), apiCpuMs: median(all.map((f) => f.apiCpuMs)) };
    });
    for (const row of rows) {
      console.log(`${caseLabel.padEnd(26)} ${row.variant.label.padEnd(21)} ${row.p50.toFixed(1).padStart(8)} ${row.p99.toFixed(1).padStart(8)} ${row.perSecond.toFixed(0).padStart(7)} ${row.apiCpuMs.toFixed(3).padStart(15)}`);
    }
    const [first, ...others] = rows;
    for (const other of others) {
      console.log(`${''.padEnd(26)} ${`÷ ${other.variant.label}`.padEnd(21)} ${(first!.p50 / other.p50).toFixed(2).padStart(8)} ${(first!.p99 / other.p99).toFixed(2).padStart(8)} ${(first!.perSecond / other.perSecond).toFixed(2).padStart(7)} ${(first!.apiCpuMs / other.apiCpuMs).toFixed(2).padStart(15)}`);
    }
  }
  for (const client of clientsOf.values()) client.close();
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
  console.log(`stream, append → received (${SUBSCRIBERS} graphql-ws subscribers × ${EVENTS} events, ${received}/${SUBSCRIBERS * EVENTS} delivered) ${summary(latencies, API_SUMMARY)}`);
  await Promise.all(clients.map((c) => c.dispose()));
}

/** Child mode: the API on the seeded database, as `changelogs api` runs it (or with its former hand-written parts). */
async function serve(databaseUrl: string): Promise<void> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, NPM_REGISTRY_URL: 'http://127.0.0.1:9', API_TOKEN: 'bench' });
  const pool = await openDatabase(config.databaseUrl);
  const options = VARIANTS[args.variant];
  if (!options) throw new Error(`unknown variant ${args.variant}; one of ${Object.keys(VARIANTS).join(', ')}`);
  const api = await startApi({ config, pool, temporal: {} as never, taskQueue: 'bench' }, 0, options());
  console.log(`listening ${api.url}`);
  process.once('SIGTERM', () => void api.close(1_000).then(() => pool.end()).then(() => process.exit(0)));
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
    console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, node ${process.version}, Postgres ${rows[0]!.server_version}; each API in its own process (pool of 10 connections, search responses cached 2 s), load generator in this one`);
    const t0 = performance.now();
    await seed(pool);
    const counts = await pool.query<{ packages: string; entries: string }>('SELECT (SELECT count(*) FROM packages) AS packages, (SELECT count(*) FROM changelog_entries) AS entries');
    console.log(`seeded ${counts.rows[0]!.packages} packages, ${counts.rows[0]!.entries} changelog entries in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (args['seed-only']) {
      console.log(`kept ${config.databaseUrl}`);
      return;
    }
    const labels = args.variants.split(',');
    for (const label of labels) if (!VARIANTS[label]) throw new Error(`unknown variant ${label}; one of ${Object.keys(VARIANTS).join(', ')}`);
    const variants = await Promise.all(labels.map(async (label) => ({ label, api: await startServerProcess(__filename, ['--serve', config.databaseUrl, '--variant', label], { env: API_ENVIRONMENT }) })));
    try {
      await benchSearch(pool, variants);
      if (SUBSCRIBERS > 0) await benchStream(pool, variants[0]!.api.url);
    } finally {
      await Promise.all(variants.map((v) => v.api.stop()));
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
