// `npm run bench:read-side`: the event store and read side on the large data set (seeded first if absent).
//   npm run bench:read-side -- [--packages 300000] [--releases 1000000] [--seed 1] [--database changelogs_large]
//                              [--concurrency 64] [--requests 6000] [--open-seconds 20] [--subscribers 10000]
//                              [--events 20] [--warm-up 5] [--single-results 200000] [--skip rebuild,search,stream,catch-up]
//                              [--api-node-flags='FLAGS'] [--profile-dir DIR]
// 1. rebuild: `rebuildProjections` over the whole log (batches of set-based statements into fresh tables, swapped in).
// 2. search: the floor — `{ __typename }`, the cheapest request GraphQL serves — against varied searches, both
//    closed-loop at --concurrency over the same API process (both processes warmed up first, `{ __typename }` measured
//    before and after the searches, the higher taken as the floor); then varied searches open-loop at half the varied
//    throughput just measured, their latency counted from when each was due (so a stall shows in it), after 3 s that
//    are printed but not counted (the API returning from a minute idle). The API runs
//    as configured by default (the in-memory search index, loaded first; its size, load time and the process's
//    memory are printed); the Postgres statements per search are counted from /metrics. Then the same searches on
//    an API whose search costs nothing (the same rows for every query: the floor of a search response of that size;
//    also with yoga's response cache in place of the API's own, and without NODE_ENV=production, for what each costs;
//    the three in interleaved rounds, medians printed; with what 0.5× the floor leaves a search of the API's CPU once
//    the no-op search's response is paid), and the first 1,000 on an API searching in SQL alone with no windows (the alternative), each kind timed one at a
//    time on the index and in SQL.
// 3. stream: --subscribers graphql-ws subscribers over two API processes (each follows the log once), --events
//    appended one by one after --warm-up more that are not counted (a server that has run a while has compiled its
//    delivery path; the first few events after a start are slower, and each event's slowest delivery is printed);
//    publish-to-delivery latency and how many were delivered. Then the floor of the same shape:
//    Postgres NOTIFY → two plain `ws` servers → as many plain sockets, nothing of the product in between.
// 4. catch-up: one subscriber asking for the whole log from its start, through graphql-ws in batches (crawlBatches),
//    against reading the log in pages straight from Postgres (the log-read speed); and a message per result
//    (crawls) over the first --single-results events, for comparison.
// Ends with one JSON line of the headline figures. The API processes and Postgres share the machine with this load
// generator: figures are for the whole machine.
import http from 'node:http';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createClient } from 'graphql-ws';
import { Client, type Pool } from 'pg';
import WebSocket, { WebSocketServer } from 'ws';
import { appendAndProject } from '../../eventStore/appendAndProject';
import { readCrawlResults } from '../../eventStore/crawlResults';
import { LOG_START, type LogPosition } from '../../eventStore/logPosition';
import { logPositionOf, readLogBatch, readLogHead } from '../../eventStore/readLogBatch';
import { rebuildProjections } from '../../eventStore/rebuildProjections';
import { API_ENVIRONMENT, API_NODE_FLAGS } from '../../api/nodeFlags';
import type { Plugin } from 'graphql-yoga';
import type { ApiOptions, PackageSearch } from '../../api/graphql';
import { PACKAGE_COLUMNS, type PackageRow } from '../../api/resolvers/package';
import type { SearchRow } from '../../api/resolvers/search';
import { startApi } from '../../api/server';
import { loadConfig } from '../../infra/config';
import { openDatabase } from '../../infra/db';
import { Random } from '../../demo/random';
import { databaseUrlFor, printSizeReport, SEED_DEFAULTS, seedLarge, seedOptionsFrom, sizeReport } from './seedLarge';
import { closedLoop, cpuSeconds, jsonPoster, median, openLoop, p99, type ServerProcess, startBackendCpu, startServerProcess, summary } from './support';
import { useYogaSearchResponseCache } from './yogaResponseCache';

const { values: args } = parseArgs({
  options: {
    packages: { type: 'string', default: SEED_DEFAULTS.packages },
    releases: { type: 'string', default: SEED_DEFAULTS.releases },
    seed: { type: 'string', default: SEED_DEFAULTS.seed },
    database: { type: 'string', default: SEED_DEFAULTS.database },
    concurrency: { type: 'string', default: '64' },
    requests: { type: 'string', default: '6000' },
    'open-seconds': { type: 'string', default: '20' },
    subscribers: { type: 'string', default: '10000' },
    events: { type: 'string', default: '20' },
    /** Stream events appended first and not counted: the API processes' code for a delivery compiled and warm. */
    'warm-up': { type: 'string', default: '5' },
    'single-results': { type: 'string', default: '200000' },
    skip: { type: 'string', default: '' },
    /** Node flags for the API processes (space-separated): those they are deployed with by default; `=` for none. */
    'api-node-flags': { type: 'string', default: API_NODE_FLAGS.join(' ') },
    /** Write a CPU profile of each API process into this directory. */
    'profile-dir': { type: 'string' },
    /** Internal: run an API server on this database and print its URL. */
    serve: { type: 'string' },
    /** Internal: run the plain WebSocket fan-out (the stream's floor) on this database and print its URL. */
    'serve-fan-out': { type: 'string' },
    /** Internal, with --serve: the API's SEARCH_WINDOW_TTL_MS. */
    'search-window-ttl-ms': { type: 'string' },
    /** Internal, with --serve: the API's SEARCH_INDEX. */
    'search-index': { type: 'string' },
    /** Internal, with --serve: a search that costs nothing (the same rows for every query): the search floor. */
    'no-op-search': { type: 'boolean', default: false },
    /** Internal, with --serve: keep search responses with yoga's response cache instead of the API's own. */
    'yoga-response-cache': { type: 'boolean', default: false },
  },
});
const CONCURRENCY = Number(args.concurrency);
const REQUESTS = Number(args.requests);
const OPEN_SECONDS = Number(args['open-seconds']);
const SUBSCRIBERS = Number(args.subscribers);
const EVENTS = Number(args.events);
const WARM_UP = Number(args['warm-up']);
/** The version the stream benchmarks append as their i-th event: warm-up events first, then the measured ones. */
const eventVersion = (i: number) => (i < WARM_UP ? `8.0.${i}` : `9.0.${i - WARM_UP}`);
const isWarmUp = (version: string) => version.startsWith('8.');
const SINGLE_RESULTS = Number(args['single-results']);
const SKIP = new Set(args.skip.split(',').filter(Boolean));

/** Child mode: the API on the database, as `changelogs api` runs it. */
async function serve(databaseUrl: string): Promise<void> {
  const windows = args['search-window-ttl-ms'];
  const index = args['search-index'];
  const config = loadConfig({ DATABASE_URL: databaseUrl, NPM_REGISTRY_URL: 'http://127.0.0.1:9', API_TOKEN: 'bench', ...(windows && { SEARCH_WINDOW_TTL_MS: windows }), ...(index && { SEARCH_INDEX: index }) });
  const pool = await openDatabase(config.databaseUrl, undefined, { keepIdleConnections: true }); // as cli/api.ts
  let search: PackageSearch | undefined;
  if (args['no-op-search']) {
    // Real rows of the size searches return, the same for every query, as the index's hits become rows.
    const { rows } = await pool.query<PackageRow>(`SELECT ${PACKAGE_COLUMNS} FROM packages ORDER BY md5(name) LIMIT 101`);
    const hits: SearchRow[] = rows.map((row, i) => ({ ...row, tier: 2, sort_key: -1.5 + i / 1000 }));
    search = { search: async (_query, _registry, _after, limit) => hits.slice(0, limit).map((hit) => ({ ...hit })), settled: async () => undefined, stop: () => undefined };
  }
  const options: ApiOptions = { search };
  if (args['yoga-response-cache']) {
    // The API's own cache off, yoga's in its place with the configuration the API had (2 s for searches alone).
    Object.assign(options, { searchCacheTtlMs: 0, plugins: (defaults: Plugin[]) => [...defaults, useYogaSearchResponseCache({ ttlMs: 2_000 })] });
  }
  const api = await startApi({ config, pool, temporal: {} as never, taskQueue: 'bench' }, 0, options);
  console.log(`listening ${api.url}`);
  process.once('SIGTERM', () => void api.close(1_000).then(() => pool.end()).then(() => process.exit(0)));
}

/**
 * Child mode: the floor of the live stream's fan-out on this machine. A plain `ws` server that LISTENs on Postgres
 * and sends each notification's payload, as it came, to every socket: no log read, no GraphQL, no graphql-ws, one
 * serialisation for all. What is left is what any WebSocket fan-out of the same size pays here: a frame written per
 * socket, and the receiving side's work.
 */
async function serveFanOut(databaseUrl: string): Promise<void> {
  const listener = new Client({ connectionString: databaseUrl });
  await listener.connect();
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  listener.on('notification', ({ payload }) => {
    for (const socket of wss.clients) socket.send(payload!);
  });
  await listener.query(`LISTEN ${FAN_OUT_CHANNEL}`);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  console.log(`listening http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  process.once('SIGTERM', () => process.exit(0));
}

const FAN_OUT_CHANNEL = 'bench_fan_out';

/**
 * An API process (`--serve`, with the API's environment unless given another) or a plain fan-out one
 * (`--serve-fan-out`) on the database, profiled with --profile-dir.
 */
function startChild(databaseUrl: string, mode: '--serve' | '--serve-fan-out' = '--serve', extra: string[] = [], env = API_ENVIRONMENT): Promise<ServerProcess> {
  const nodeFlags = [...(args['profile-dir'] ? ['--cpu-prof', `--cpu-prof-dir=${args['profile-dir']}`] : []), ...args['api-node-flags'].split(' ').filter(Boolean)];
  return startServerProcess(__filename, [mode, databaseUrl, ...extra], { nodeFlags, env });
}

/** A value of an API process's /metrics (the first sample of that name and labels). */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  const escaped = name.replace(/[{}"]/g, (c) => `\\${c}`);
  return Number(new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

/** Search statements an API process has run so far, and their total seconds, from its /metrics. */
async function searchStatements(url: string): Promise<{ count: number; seconds: number }> {
  return { count: await metric(url, 'changelogs_api_search_duration_seconds_count'), seconds: await metric(url, 'changelogs_api_search_duration_seconds_sum') };
}

/** Waits for an API process's search index to load; returns its size and the process's resident memory then. */
async function searchIndexLoaded(url: string): Promise<{ packages: number; rssBytes: number; seconds: number }> {
  const started = performance.now();
  for (;;) {
    const packages = await metric(url, 'changelogs_api_search_index_packages');
    if (packages > 0) return { packages, rssBytes: await metric(url, 'process_resident_memory_bytes'), seconds: (performance.now() - started) / 1000 };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** APIs whose search costs nothing: as deployed, with yoga's response cache, and without NODE_ENV=production. */
interface NoOpApis {
  asDeployed: ServerProcess;
  yogaResponseCache: ServerProcess;
  notProduction: ServerProcess;
}

/** Seconds of the open loop not counted: the index's API returning from the lull of the no-op measurements. */
const OPEN_WARM_UP_SECONDS = 3;

/** How many times each no-op API is measured, the three interleaved: each figure is the median of its rounds. */
const NO_OP_ROUNDS = 3;

interface SearchRequest {
  q: string;
  r: string | null;
  first: number;
  /** What kind of search it is (for the per-kind figures). */
  kind: string;
}

/**
 * Searches people make, drawn from the data set (reproducibly): whole names, name prefixes, a word of a name, words
 * of summaries, changelog words, two words together, misspelt names; a quarter each without a registry and with
 * each registry; pages of 10 to 30. Almost no two are alike, so the response cache does not answer them.
 */
async function variedSearches(pool: Pool, count: number, { offset = 0, seed = 42 }: { offset?: number; seed?: number } = {}): Promise<SearchRequest[]> {
  const { rows } = await pool.query<{ registry: string; name: string; summary: string | null }>(
    `SELECT registry, name, summary FROM packages ORDER BY md5(registry || name) OFFSET $1 LIMIT 5000`,
    [offset],
  );
  const random = new Random(seed);
  const words = (text: string) => text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 2);
  const changelogWords = ['timeout', 'windows path', 'memory leak', 'pagination', 'typescript definitions', 'reconnect', 'tokenizer', 'abortsignal', 'bundle size', 'hooks'];
  const requests: SearchRequest[] = [];
  for (let i = 0; i < count; i++) {
    const p = rows[random.int(0, rows.length - 1)]!;
    const nameWords = words(p.name);
    const summaryWords = words(p.summary ?? '');
    const kind = random.weighted({ exact: 15, prefix: 20, nameWord: 20, summary: 15, twoWords: 15, changelog: 8, typo: 7 });
    let q: string;
    if (kind === 'exact') q = p.name;
    else if (kind === 'prefix') q = p.name.slice(0, random.int(3, Math.max(3, p.name.length - 1)));
    else if (kind === 'nameWord') q = random.pick(nameWords.length ? nameWords : [p.name]);
    else if (kind === 'summary') q = random.pick(summaryWords.length ? summaryWords : [p.name]);
    else if (kind === 'twoWords') q = `${random.pick(nameWords.length ? nameWords : [p.name])} ${random.pick(summaryWords.length ? summaryWords : ['library'])}`;
    else if (kind === 'changelog') q = random.pick(changelogWords);
    else {
      const at = random.int(1, p.name.length - 1);
      q = p.name.slice(0, at) + p.name.slice(at + 1);
    }
    requests.push({ q, r: random.pick([null, 'NPM', 'RUBYGEMS', 'PYPI']), first: random.int(10, 30), kind });
  }
  return requests;
}

/**
 * The floor and the varied searches on the API as configured by default (the in-memory search index, the changelog
 * part's windows), with the Postgres statements the varied ones ran and the CPU each request cost the API process,
 * Postgres and the load generator; then the same varied searches, fewer of them, on
 * an API that searches in SQL alone with no windows (`sqlUrl`: SEARCH_INDEX=off, SEARCH_WINDOW_TTL_MS=0), the
 * named alternative: what each search costs when Postgres answers every one.
 */
async function benchSearch(pool: Pool, api: ServerProcess, sqlUrl: string, noOps: NoOpApis): Promise<{ floor: number; varied: number; ratio: number; p99Ms: number }> {
  const SEARCH = 'query ($q: String!, $r: Registry, $first: Int) { search(query: $q, registry: $r, first: $first) { edges { match node { registry name latestVersion summary } } pageInfo { hasNextPage endCursor } } }';
  const { url } = api;
  const client = jsonPoster(url, CONCURRENCY);
  const check = (json: { errors?: unknown }) => {
    if (json.errors) throw new Error(JSON.stringify(json.errors));
  };
  const typename = (poster: ReturnType<typeof jsonPoster>) => async () => check(await poster.post('{"query":"{ __typename }"}'));
  const trivial = typename(client);
  const requests = await variedSearches(pool, 3 * REQUESTS + 20_000);
  const searcher = (poster: ReturnType<typeof jsonPoster>, list = requests) => {
    let next = 0;
    return async () => {
      const { q, r, first } = list[next++ % list.length]!;
      check(await poster.post(JSON.stringify({ query: SEARCH, variables: { q, r, first } })));
    };
  };
  const search = searcher(client);
  const statementsDuring = async (serverUrl: string, count: number, run: () => Promise<{ perSecond: number; latencies: number[] }>) => {
    const before = await searchStatements(serverUrl);
    const result = await run();
    const after = await searchStatements(serverUrl);
    const statements = (after.count - before.count) / count;
    return { ...result, line: `${statements.toFixed(2)} search statements a search, ${(((after.seconds - before.seconds) * 1000) / count).toFixed(2)} ms of them` };
  };
  console.log(`varied searches, e.g. ${requests.slice(0, 8).map((r) => JSON.stringify(r.q)).join(', ')}`);
  const [loaded, sqlLoaded] = await Promise.all([searchIndexLoaded(url), metric(sqlUrl, 'process_resident_memory_bytes')]);
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  console.log(`search index: ${loaded.packages} packages, loaded ${loaded.seconds.toFixed(1)} s after the API listened; API resident memory ${mb(loaded.rssBytes)} (the SQL-only API: ${mb(sqlLoaded)})`);
  // Warm-up: connections, caches, and the JIT of both this process and the API's. With 500 requests of each, as
  // before, neither process was warm: `{ __typename }` measured after the varied searches ran at 1.6 times the rate
  // measured before them (API 125 µs a request instead of 240, this process 60 instead of 95). The warm-up searches
  // are drawn from other packages, so they do not fill the parse cache and windows with the measured searches' terms.
  const warmUp = await variedSearches(pool, REQUESTS, { offset: 5_000, seed: 43 });
  await closedLoop(REQUESTS, CONCURRENCY, trivial);
  await closedLoop(warmUp.length, CONCURRENCY, searcher(client, warmUp));
  // The CPU a request cost the API process, Postgres's backends and this load generator, which share the two cores.
  const cpuDuring = async <T>(count: number, run: () => Promise<T>) => {
    const [api0, own0, postgres] = [cpuSeconds(api.pid), process.cpuUsage(), await startBackendCpu(pool)];
    const result = await run();
    const [api1, own1, postgresSeconds] = [cpuSeconds(api.pid), process.cpuUsage(own0), await postgres()];
    const us = (seconds: number | null) => (seconds === null ? '?' : ((seconds * 1e6) / count).toFixed(0));
    const apiSeconds = api1 === null || api0 === null ? null : api1 - api0;
    return { ...result, apiUs: apiSeconds === null ? NaN : (apiSeconds * 1e6) / count, cpu: `CPU a request: API ${us(apiSeconds)} µs, Postgres ${us(postgresSeconds)} µs, load generator ${us((own1.user + own1.system) / 1e6)} µs` };
  };
  const floorBefore = await cpuDuring(REQUESTS, () => closedLoop(REQUESTS, CONCURRENCY, trivial));
  console.log(`{ __typename }, ${CONCURRENCY} at once: ${floorBefore.perSecond.toFixed(0)}/s, ${summary(floorBefore.latencies)}; ${floorBefore.cpu}`);
  const byIndexBefore = await metric(url, 'changelogs_api_searches_total{by="index"}');
  const varied = await cpuDuring(REQUESTS, () => statementsDuring(url, REQUESTS, () => closedLoop(REQUESTS, CONCURRENCY, search)));
  const byIndex = (await metric(url, 'changelogs_api_searches_total{by="index"}')) - byIndexBefore;
  console.log(`varied searches, ${CONCURRENCY} at once: ${varied.perSecond.toFixed(0)}/s, ${summary(varied.latencies)}; ${varied.cpu}; ${varied.line}; ${byIndex} of the searches that reached the API answered through the index (the rest by the response cache, or SQL alone)`);
  // The floor again: the higher of the two is the floor (a process still warming up makes it look lower).
  const floorAfter = await cpuDuring(REQUESTS, () => closedLoop(REQUESTS, CONCURRENCY, trivial));
  console.log(`{ __typename } again, after the varied searches: ${floorAfter.perSecond.toFixed(0)}/s, ${summary(floorAfter.latencies)}; ${floorAfter.cpu}`);
  const floor = floorAfter.perSecond > floorBefore.perSecond ? floorAfter : floorBefore;
  const ratio = varied.perSecond / floor.perSecond;
  console.log(`varied-search throughput ÷ floor (the higher of the two): ${ratio.toFixed(2)}`);
  // The same requests and responses with a search that costs nothing (the same rows for every query): what GraphQL,
  // the response cache and HTTP cost a search response of this size, the floor of any search here. Beside it, the
  // same no-op API with yoga's response cache in place of the API's own, and without NODE_ENV=production: what each
  // of the two costs a search response. Measured in interleaved rounds, each figure the median of its rounds: one
  // run after another moved them by 10% (whichever ran first after the varied searches came out slowest).
  const noOpRun = async ({ url: noOpUrl, pid }: ServerProcess) => {
    const noOpClient = jsonPoster(noOpUrl, CONCURRENCY);
    await closedLoop(REQUESTS / 2, CONCURRENCY, typename(noOpClient));
    const noOpFloor = await closedLoop(REQUESTS, CONCURRENCY, typename(noOpClient));
    await closedLoop(REQUESTS / 2, CONCURRENCY, searcher(noOpClient));
    const before = cpuSeconds(pid);
    const result = await closedLoop(REQUESTS, CONCURRENCY, searcher(noOpClient));
    const after = cpuSeconds(pid);
    noOpClient.close();
    return { ...result, floor: noOpFloor.perSecond, apiUs: before === null || after === null ? NaN : ((after - before) * 1e6) / REQUESTS };
  };
  const variants = [
    ['as deployed', noOps.asDeployed],
    ["with yoga's response cache instead of the API's own", noOps.yogaResponseCache],
    ['without NODE_ENV=production', noOps.notProduction],
  ] as const;
  const rounds: Awaited<ReturnType<typeof noOpRun>>[][] = variants.map(() => []);
  for (let round = 0; round < NO_OP_ROUNDS; round++) {
    for (const [i, [, server]] of variants.entries()) rounds[i]!.push(await noOpRun(server));
  }
  // Done with, they go before the open loop rather than collect their garbage during it.
  await Promise.all(variants.map(([, server]) => server.stop()));
  const noOpFigures = rounds.map((runs) => ({
    perSecond: median(runs.map((r) => r.perSecond)),
    floor: median(runs.map((r) => r.floor)),
    apiUs: median(runs.map((r) => r.apiUs)),
    p99Ms: median(runs.map((r) => p99(r.latencies))),
    all: runs.map((r) => r.perSecond.toFixed(0)).join(', '),
  }));
  for (const [i, [label]] of variants.entries()) {
    const n = noOpFigures[i]!;
    console.log(
      `${i === 0 ? 'the same searches answered by a no-op search (same rows for every query)' : `  the no-op search ${label}`}: ${n.perSecond.toFixed(0)}/s (÷ floor ${(n.perSecond / floor.perSecond).toFixed(2)}; rounds ${n.all}; its own { __typename } ${n.floor.toFixed(0)}/s), API ${n.apiUs.toFixed(0)} µs a search, p99 ${n.p99Ms.toFixed(1)} ms${i === 0 ? `; varied searches ÷ no-op search: ${(varied.perSecond / n.perSecond).toFixed(2)}` : ''}`,
    );
  }
  // What 0.5× the floor leaves a search: the API's one thread serves every request, so at that rate each search may
  // take at most 1 / rate seconds of it, and the no-op search's response takes its share first.
  const halfFloor = floor.perSecond / 2;
  const budgetUs = 1e6 / halfFloor;
  console.log(
    `at 0.5× the floor (${halfFloor.toFixed(0)}/s) the API's thread has ${budgetUs.toFixed(0)} µs a search; the no-op search's response takes ${noOpFigures[0]!.apiUs.toFixed(0)} µs of it, leaving ${(budgetUs - noOpFigures[0]!.apiUs).toFixed(0)} µs for the search itself; the varied searches took ${varied.apiUs.toFixed(0)} µs of API CPU`,
  );
  // The index's API sat idle while the no-op APIs were measured (about a minute): the first seconds at the open-loop
  // rate are its return from a lull, printed on their own and not counted; then the steady state is measured.
  const rate = varied.perSecond / 2;
  const lull = await openLoop(rate, OPEN_WARM_UP_SECONDS, search);
  console.log(`varied searches open-loop at ${rate.toFixed(0)}/s, the first ${OPEN_WARM_UP_SECONDS} s after the API sat idle (not counted): ${summary(lull.latencies)}${lull.errors ? `, ${lull.errors} errors` : ''}`);
  const open = await openLoop(rate, OPEN_SECONDS, search);
  console.log(`varied searches open-loop at ${rate.toFixed(0)}/s for ${OPEN_SECONDS} s after that: ${summary(open.latencies)}${open.errors ? `, ${open.errors} errors` : ''}`);
  client.close();

  const sqlClient = jsonPoster(sqlUrl, CONCURRENCY);
  const sqlCount = Math.min(REQUESTS, 1_000);
  const sql = await statementsDuring(sqlUrl, sqlCount, () => closedLoop(sqlCount, CONCURRENCY, searcher(sqlClient)));
  console.log(`the first ${sqlCount} of the same searches in SQL alone (SEARCH_INDEX=off SEARCH_WINDOW_TTL_MS=0): ${sql.perSecond.toFixed(0)}/s (÷ floor ${(sql.perSecond / floor.perSecond).toFixed(2)}), ${summary(sql.latencies)}; ${sql.line}`);
  // One at a time: what each kind of search costs with no queue in front of it, through the index (on searches made
  // once: the first of this list's) and in SQL alone.
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const fresh = requests.slice(-Math.min(REQUESTS, 700));
  for (const [label, poster] of [['through the index', jsonPoster(url, 1)], ['in SQL alone', sqlClient]] as const) {
    const byKind = new Map<string, number[]>();
    for (const { q, r, first, kind } of fresh) {
      const t0 = performance.now();
      check(await poster.post(JSON.stringify({ query: SEARCH, variables: { q, r, first } })));
      let times = byKind.get(kind);
      if (!times) byKind.set(kind, (times = []));
      times.push(performance.now() - t0);
    }
    poster.close();
    console.log(`one at a time, ${label}, by kind: ${[...byKind].sort((a, b) => mean(b[1]) - mean(a[1])).map(([kind, ms]) => `${kind} mean ${mean(ms).toFixed(1)} ms (n ${ms.length}, ${summary(ms)})`).join('; ')}`);
  }
  return { floor: floor.perSecond, varied: varied.perSecond, ratio, p99Ms: p99(open.latencies) };
}

const STREAM = 'subscription ($after: String) { crawls(after: $after) { cursor name version outcome at } }';

async function benchSubscribers(pool: Pool, servers: { url: string; pid: number }[]): Promise<{ p99Ms: number; delivered: number; expected: number }> {
  const urls = servers.map((s) => s.url);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  /** The slowest delivery of each event (warm-up ones included): whether the tail is every event's or a few's. */
  const slowest = new Map<string, number>();
  let received = 0;
  let connected = 0;
  const clients: ReturnType<typeof createClient>[] = [];
  const started = performance.now();
  // Connect in waves, as a reconnect storm would not: the figure is delivery, not handshakes.
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const client = createClient({ url: urls[i % urls.length]!.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, on: { connected: () => void connected++ } });
    clients.push(client);
    client.subscribe<{ crawls: { version: string } }>(
      { query: STREAM },
      {
        next: ({ data }) => {
          const { version } = data!.crawls;
          const at = sentAt.get(version);
          if (at === undefined) return;
          const ms = performance.now() - at;
          slowest.set(version, Math.max(slowest.get(version) ?? 0, ms));
          if (isWarmUp(version)) return;
          latencies.push(ms);
          received++;
        },
        error: (err) => console.error('subscriber error', err),
        complete: () => undefined,
      },
    );
    if (i % 500 === 499) while (connected < i - 250) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  while (connected < SUBSCRIBERS) await new Promise((resolve) => setTimeout(resolve, 50));
  console.log(`${SUBSCRIBERS} subscribers connected over ${urls.length} API processes in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // every subscription registered with its process's follower
  let cpuBefore: (number | null)[] = [];
  for (let i = 0; i < WARM_UP + EVENTS; i++) {
    if (i === WARM_UP) cpuBefore = servers.map((s) => cpuSeconds(s.pid));
    const version = eventVersion(i);
    const now = new Date().toISOString();
    sentAt.set(version, performance.now());
    await appendAndProject(pool, `npm:bench-stream@${version}`, [
      {
        eventId: `npm:bench-stream@${version}/crawled/${Date.now()}`,
        type: 'ReleaseCrawled',
        data: {
          registry: 'npm', name: 'bench-stream', version, outcome: 'not_found', publishedAt: null, latestVersion: version, summary: null, changelog: null, reason: null,
          crawl: { workflowId: `crawl:npm:bench-stream@${version}`, runId: `bench-${Date.now()}`, startedAt: now }, finishedAt: now,
        },
      },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  const expected = SUBSCRIBERS * EVENTS;
  for (let waited = 0; received < expected && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  const cpu = servers.reduce((sum, s, i) => sum + (cpuSeconds(s.pid) ?? NaN) - (cpuBefore[i] ?? NaN), 0);
  console.log(`stream: append → received by each of ${SUBSCRIBERS} subscribers, ${EVENTS} events 1 s apart after ${WARM_UP} to warm up: ${received}/${expected} delivered, ${summary(latencies)}; API processes' CPU ${((cpu * 1e6) / Math.max(1, received)).toFixed(0)} µs a delivery`);
  console.log(`stream: each event's slowest delivery, in order (warm-up first): ${[...slowest.values()].map((ms) => ms.toFixed(0)).join(' ')} ms`);
  await Promise.all(clients.map((c) => c.dispose()));
  return { p99Ms: p99(latencies), delivered: received, expected };
}

/**
 * The same fan-out with nothing of the product in it (serveFanOut: Postgres NOTIFY → a plain `ws` server → every
 * socket), to plain `ws` clients that parse each message: the same number of sockets over two processes, a message
 * of the same shape and size, the same 1 s spacing. Its p99 is what this machine allows any fan-out of this size.
 */
async function benchFanOutFloor(pool: Pool, databaseUrl: string): Promise<{ p99Ms: number; delivered: number; expected: number }> {
  const servers = await Promise.all([startChild(databaseUrl, '--serve-fan-out'), startChild(databaseUrl, '--serve-fan-out')]);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const sockets: WebSocket[] = [];
  let connected = 0;
  try {
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const socket = new WebSocket(servers[i % servers.length]!.url.replace(/^http/, 'ws'));
      socket.on('open', () => void connected++);
      socket.on('error', (err) => console.error('floor subscriber error', err));
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { payload: { data: { crawls: { version: string } } } };
        const { version } = message.payload.data.crawls;
        const at = sentAt.get(version);
        if (at !== undefined && !isWarmUp(version)) latencies.push(performance.now() - at);
      });
      sockets.push(socket);
      if (i % 500 === 499) while (connected < i - 250) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    while (connected < SUBSCRIBERS) await new Promise((resolve) => setTimeout(resolve, 50));
    let cpuBefore: (number | null)[] = [];
    for (let i = 0; i < WARM_UP + EVENTS; i++) {
      if (i === WARM_UP) cpuBefore = servers.map((s) => cpuSeconds(s.pid));
      const version = eventVersion(i);
      const event = { cursor: 'x'.repeat(44), name: 'bench-stream', version, outcome: 'NOT_FOUND', at: new Date().toISOString() };
      const message = JSON.stringify({ id: '8f7d1a2e-4b6c-4c1d-9e3f-2a5b7c9d0e1f', type: 'next', payload: { data: { crawls: event } } });
      sentAt.set(version, performance.now());
      await pool.query('SELECT pg_notify($1, $2)', [FAN_OUT_CHANNEL, message]);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const expected = SUBSCRIBERS * EVENTS;
    for (let waited = 0; latencies.length < expected && waited < 30_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    const cpu = servers.reduce((sum, s, i) => sum + (cpuSeconds(s.pid) ?? NaN) - (cpuBefore[i] ?? NaN), 0);
    console.log(`stream floor, plain ws: NOTIFY → ${SUBSCRIBERS} sockets over two processes, ${EVENTS} events 1 s apart after ${WARM_UP} to warm up: ${latencies.length}/${expected} delivered, ${summary(latencies)}; servers' CPU ${((cpu * 1e6) / Math.max(1, latencies.length)).toFixed(0)} µs a delivery`);
    return { p99Ms: p99(latencies), delivered: latencies.length, expected };
  } finally {
    for (const socket of sockets) socket.terminate();
    await Promise.all(servers.map((s) => s.stop()));
  }
}

const BATCHES = 'subscription ($after: String, $size: Int) { crawlBatches(after: $after, size: $size) { cursor events { cursor name version outcome at } } }';

/** One graphql-ws subscriber from the log's start until it has `total` results; results a second. */
async function subscribeFromStart(url: string, query: string, variables: Record<string, unknown>, total: number, count: (data: Record<string, unknown>) => number): Promise<number> {
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
  let received = 0;
  const t0 = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      const unsubscribe = client.subscribe<Record<string, unknown>>(
        { query, variables: { after: 'start', ...variables } },
        {
          next: ({ data, errors }) => {
            if (errors) return reject(new Error(JSON.stringify(errors)));
            received += count(data!);
            if (received % 100_000 < count(data!)) process.stderr.write(`\r  ${received}/${total}`);
            if (received >= total) {
              unsubscribe();
              resolve();
            }
          },
          error: reject,
          complete: () => resolve(),
        },
      );
    });
  } finally {
    process.stderr.write('\r');
    await client.dispose();
  }
  return received / ((performance.now() - t0) / 1000);
}

/**
 * The log-read speed (pages straight from Postgres, whole events and the stream's lean rows), then one subscriber
 * reading the whole log from its start over graphql-ws: in batches (crawlBatches), and a message per result
 * (crawls, over the first --single-results events).
 */
async function benchCatchUp(pool: Pool, url: string): Promise<{ perSecond: number; readPerSecond: number }> {
  const head = await readLogHead(pool);
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE (transaction_id, position) <= ($1::xid8, $2::bigint)`, [head.transactionId, head.position]);
  const total = Number(rows[0]!.n);
  const pageSize = 5_000;

  const timed = async (read: (after: LogPosition) => Promise<LogPosition[]>) => {
    const t0 = performance.now();
    let count = 0;
    for (let after = LOG_START; ; ) {
      const page = await read(after);
      count += page.length;
      if (page.length < pageSize) break;
      after = page.at(-1)!;
    }
    return count / ((performance.now() - t0) / 1000);
  };
  const whole = await timed(async (after) => (await readLogBatch(pool, { after, upTo: head, limit: pageSize })).map(logPositionOf));
  console.log(`log read, whole events in pages of ${pageSize} straight from Postgres: ${whole.toFixed(0)} events/s`);
  const readPerSecond = await timed((after) => readCrawlResults(pool, { after, upTo: head, limit: pageSize }));
  console.log(`log read, the stream's rows (crawlResults.ts) in pages of ${pageSize}: ${readPerSecond.toFixed(0)} events/s`);

  const perSecond = await subscribeFromStart(url, BATCHES, { size: pageSize }, total, (data) => (data.crawlBatches as { events: unknown[] }).events.length);
  console.log(`catch-up: one graphql-ws subscriber from the log's start, crawlBatches of ${pageSize}, ${total} events: ${perSecond.toFixed(0)} events/s (${(perSecond / readPerSecond).toFixed(2)} × the log read)`);
  const single = Math.min(total, SINGLE_RESULTS);
  const oneByOne = await subscribeFromStart(url, STREAM, {}, single, () => 1);
  console.log(`catch-up: the same with a message per result (crawls), first ${single} events: ${oneByOne.toFixed(0)} events/s`);
  return { perSecond, readPerSecond };
}

async function main(): Promise<void> {
  if (args.serve) return serve(args.serve);
  if (args['serve-fan-out']) return serveFanOut(args['serve-fan-out']);
  const options = seedOptionsFrom({ ...args, fresh: false });
  const { rows: version } = await (async () => {
    const admin = new Client({ connectionString: databaseUrlFor('postgres') });
    await admin.connect();
    try {
      return await admin.query<{ server_version: string }>('SHOW server_version');
    } finally {
      await admin.end();
    }
  })();
  console.log(`# read-side benchmark — ${new Date().toISOString()}`);
  console.log(`command: npm run bench:read-side -- ${process.argv.slice(2).join(' ')}`.trim());
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, node ${process.version}, Postgres ${version[0]!.server_version}`);
  const pool = await seedLarge(options);
  const result = { rebuildEventsPerSecond: NaN, searchFloorRatio: NaN, searchP99Ms: NaN, subscribersP99Ms: NaN, catchUpEventsPerSecond: NaN };
  try {
    printSizeReport(await sizeReport(pool));
    if (!SKIP.has('rebuild')) {
      // Each run from the same start: whatever an earlier run (or the seed) left dirty in shared buffers written out
      // first, rather than by checkpoints in the middle of this one (where it is allowed: superuser or pg_checkpoint).
      await pool.query('CHECKPOINT').catch(() => undefined);
      const started = performance.now();
      // Where the time went: the replay, then each finishing step and the swap, in order.
      const steps: [string, number][] = [['replay', started]];
      const { replayed } = await rebuildProjections(pool, {
        onProgress: ({ phase, replayed, total, step }) => {
          const name = phase === 'finish' ? step! : phase;
          if (phase !== 'done' && steps.at(-1)![0] !== name) steps.push([name, performance.now()]);
          if (phase === 'replay' && replayed % 100_000 < 5_000) process.stderr.write(`\rrebuild: ${replayed}/${total} events`);
        },
      });
      const ended = performance.now();
      const seconds = (ended - started) / 1000;
      result.rebuildEventsPerSecond = replayed / seconds;
      const took = steps.map(([name, at], i) => `${name} ${(((steps[i + 1]?.[1] ?? ended) - at) / 1000).toFixed(1)} s`).join(', ');
      console.log(`\nrebuild: ${replayed} events in ${seconds.toFixed(1)} s (${took}): ${result.rebuildEventsPerSecond.toFixed(0)} events/s`);
      await pool.query('VACUUM ANALYZE');
    }
    // The second API process serves only the stream's half of the subscribers, and is started for it: idle beside
    // the search measurements, with the index loaded, it ran its own major collections (V8's memory reducer) during
    // the open loop, 0.7 s of one of the two cores at a time.
    const servers = [await startChild(databaseUrlFor(options.database))];
    try {
      if (!SKIP.has('search')) {
        const url = databaseUrlFor(options.database);
        const noOp = ['--search-index', 'off', '--no-op-search'];
        const others = await Promise.all([
          startChild(url, '--serve', ['--search-index', 'off', '--search-window-ttl-ms', '0']),
          startChild(url, '--serve', noOp),
          startChild(url, '--serve', [...noOp, '--yoga-response-cache']),
          startChild(url, '--serve', noOp, { ...API_ENVIRONMENT, NODE_ENV: '' }),
        ]);
        const [sqlOnly, asDeployed, yogaResponseCache, notProduction] = others as [ServerProcess, ServerProcess, ServerProcess, ServerProcess];
        const search = await benchSearch(pool, servers[0]!, sqlOnly.url, { asDeployed, yogaResponseCache, notProduction }).finally(() => Promise.all(others.map((child) => child.stop())));
        result.searchFloorRatio = search.ratio;
        result.searchP99Ms = search.p99Ms;
      }
      if (!SKIP.has('catch-up')) result.catchUpEventsPerSecond = (await benchCatchUp(pool, servers[0]!.url)).perSecond;
      if (!SKIP.has('stream')) {
        servers.push(await startChild(databaseUrlFor(options.database)));
        await searchIndexLoaded(servers[1]!.url); // its load would otherwise share the cores with the stream
        result.subscribersP99Ms = (await benchSubscribers(pool, servers)).p99Ms;
        const floor = await benchFanOutFloor(pool, databaseUrlFor(options.database));
        console.log(`stream p99 ÷ the plain-ws floor's: ${(result.subscribersP99Ms / floor.p99Ms).toFixed(2)}`);
      }
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
  } finally {
    await pool.end();
  }
  const round = (n: number, digits: number) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null);
  console.log(
    JSON.stringify({
      rebuildEventsPerSecond: round(result.rebuildEventsPerSecond, 0),
      searchFloorRatio: round(result.searchFloorRatio, 2),
      searchP99Ms: round(result.searchP99Ms, 1),
      subscribersP99Ms: round(result.subscribersP99Ms, 1),
      catchUpEventsPerSecond: round(result.catchUpEventsPerSecond, 0),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
