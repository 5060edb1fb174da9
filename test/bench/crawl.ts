// Benchmark: crawls end to end, on the real stack, against the ceiling Temporal itself sets.
//   npm run bench:crawl -- [--temporal dev|postgres] [--releases 2000] [--registries npm] [--steady-rate 10]
//                          [--steady-seconds 120] [--shards 16] [--concurrency 20]
// 1. The ceiling: N reference workflows of three no-op activities (a crawl's shape before this design), started
//    from a client, on the same Temporal; and N of the current crawl shape with no-op steps (two local
//    activities in one workflow task), which is the floor a crawl pays to Temporal.
// 2. Burst: N releases published at once to the simulated registries, discovered and crawled by the real stack
//    (an orchestration worker and a crawl worker, each its own `changelogs worker` process): crawls a second from
//    the first result to the last, and the CPU each part of the system spent on them (from /proc).
// 3. Steady: releases published at a steady rate; publish-to-result latency, p50 and p99.
// The last line printed is one JSON object with the figures.
// Needs Postgres (127.0.0.1:5432 or TEST_DATABASE_URL's server); creates and drops its own databases.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { startUpstreams, type Registry } from '../../demo';
import { runScenario, scenarioReleases, type ScenarioRelease } from '../../demo/scenario';
import { canonicalName } from '../../workflows/types';
import { dropDatabase, openDatabase } from '../../infra/db';
import { freePort, startDevServer } from '../../infra/temporal/devServer';
import { freeServerPort, startTemporalServer } from '../../infra/temporal/server';
import { ensureNamespace } from '../../infra/temporal/namespace';
import { testAdminDatabaseUrl } from '../support/env';
import { percentile } from './support';

const { values: args } = parseArgs({
  options: {
    temporal: { type: 'string', default: 'postgres' },
    releases: { type: 'string', default: '2000' },
    registries: { type: 'string', default: 'npm' },
    'steady-rate': { type: 'string', default: '10' },
    'steady-seconds': { type: 'string', default: '120' },
    shards: { type: 'string', default: '16' },
    concurrency: { type: 'string', default: '20' },
    /** Concurrent workflow starts of the reference runs. */
    starters: { type: 'string', default: '50' },
    /** Write CPU profiles of the worker processes into this directory. */
    profile: { type: 'string' },
  },
});
const RELEASES = Number(args.releases);
const REGISTRIES = args.registries.split(',') as Registry[];
const STEADY_RATE = Number(args['steady-rate']);
const STEADY_SECONDS = Number(args['steady-seconds']);
const BIN = path.join(__dirname, '..', '..', 'bin', 'changelogs.js');
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const RESULT_TYPES = "('ReleaseCrawled', 'CrawlFailed')";
/** Children a parent starts before it continues as new (a page of the feed, say). */
const FAN_OUT_BATCH = 200;

function say(line: string): void {
  console.log(`[bench] ${line}`);
}

// --- CPU from /proc -------------------------------------------------------------------------------------------

interface ProcStat {
  pid: number;
  ppid: number;
  /** utime + stime, and cutime + cstime (children already reaped), in clock ticks. */
  own: number;
  reaped: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), own: Number(fields[11]) + Number(fields[12]), reaped: Number(fields[13]) + Number(fields[14]) };
  } catch {
    return null;
  }
}

function allStats(): ProcStat[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => readStat(Number(d))).filter((s): s is ProcStat => s !== null);
}

/** CPU seconds of a process and its descendants, living or reaped, except the subtrees of `exclude`. */
function treeCpuSeconds(root: number, stats = allStats(), exclude: ReadonlySet<number> = new Set()): number {
  const children = new Map<number, number[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  let ticks = 0;
  const stack = [root];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    const stat = byPid.get(pid);
    if (!stat || (pid !== root && exclude.has(pid))) continue;
    ticks += stat.own + stat.reaped;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks / CLOCK_TICKS;
}

/** The postmaster of the Postgres serving `url`'s port, found by its listening process name. */
function postgresRoot(): number | null {
  const stats = allStats();
  for (const s of stats) {
    try {
      const comm = fs.readFileSync(`/proc/${s.pid}/comm`, 'utf8').trim();
      const parent = stats.find((p) => p.pid === s.ppid);
      const parentComm = parent ? fs.readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim() : '';
      if (comm === 'postgres' && parentComm !== 'postgres') return s.pid;
    } catch {
      // gone
    }
  }
  return null;
}

type CpuParts = Record<string, number | null>;

/**
 * Each part's CPU seconds so far; a part that started another (this process started the rest) excludes it. A
 * part named `<name> (children)` is the children of the process named `<name>` (the crawl worker's sandboxes).
 */
function cpuSnapshot(parts: Record<string, number | null>): CpuParts {
  const stats = allStats();
  const roots = new Set(Object.values(parts).filter((pid): pid is number => pid !== null));
  const own = (pid: number) => stats.find((s) => s.pid === pid)?.own ?? 0;
  const entries = Object.entries(parts).map(([name, pid]) => [name, pid === null ? null : treeCpuSeconds(pid, stats, roots)] as const);
  return Object.fromEntries(
    entries.flatMap(([name, seconds]) => {
      const pid = parts[name];
      if (!name.endsWith('worker') || pid === null || pid === undefined || seconds === null) return [[name, seconds]];
      const process = own(pid) / CLOCK_TICKS;
      return [[name, process], [`${name} (children)`, seconds - process]];
    }),
  );
}

function cpuSpent(before: CpuParts, after: CpuParts): Record<string, number> {
  return Object.fromEntries(Object.keys(after).filter((k) => after[k] !== null && before[k] !== null).map((k) => [k, after[k]! - before[k]!]));
}

// --- Temporal --------------------------------------------------------------------------------------------------

interface RunningTemporal {
  address: string;
  pid: number | null;
  label: string;
  stop(): Promise<void>;
}

async function startTemporal(id: string, dir: string): Promise<RunningTemporal> {
  if (args.temporal === 'dev') {
    const server = await startDevServer({ port: await freePort(), dbFilename: path.join(dir, 'temporal.db'), progress: say });
    return { address: server.address, pid: server.pid, label: 'Temporal CLI dev server, SQLite file', stop: () => server.stop() };
  }
  if (args.temporal !== 'postgres') throw new Error(`--temporal must be dev or postgres, got ${args.temporal}`);
  const admin = testAdminDatabaseUrl();
  const databases = { main: `bench_temporal_${id}`, visibility: `bench_temporal_${id}_visibility` };
  const server = await startTemporalServer({
    postgresUrl: admin,
    databases,
    port: await freeServerPort(),
    namespace: 'default',
    dataDir: dir,
    historyShards: Number(args.shards),
    progress: say,
  });
  return {
    address: server.address,
    pid: server.pid,
    label: `Temporal server 1.32.0 on Postgres, ${args.shards} history shards`,
    async stop() {
      await server.stop();
      for (const database of Object.values(databases)) {
        const url = new URL(admin);
        url.pathname = `/${database}`;
        await dropDatabase(url.toString());
      }
    },
  };
}

// --- The reference runs ----------------------------------------------------------------------------------------

/**
 * Starts `count` reference workflows and waits for the last to finish: workflows a second. `twoLocalActivities`
 * and `threeActivities` are started from a client, `fanOutChildren` starts them as children of one workflow.
 */
async function referenceRun(address: string, workflowType: 'threeActivities' | 'twoLocalActivities' | 'fanOutChildren', count: number, bundlePath: string): Promise<number> {
  const connection = await NativeConnection.connect({ address });
  const taskQueue = `bench-${workflowType}-${randomBytes(3).toString('hex')}`;
  let finished = 0;
  let lastAt = 0;
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowBundle: { codePath: bundlePath },
    activities: {
      async step() {},
      async last() {
        finished += 1;
        lastAt = Date.now();
        if (finished === count) allDone();
      },
    },
    maxConcurrentWorkflowTaskExecutions: Number(args.concurrency),
    maxConcurrentLocalActivityExecutions: Number(args.concurrency),
    maxConcurrentActivityTaskExecutions: Number(args.concurrency),
  });
  const running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address }) });
  const started = Date.now();
  let next = 0;
  if (workflowType === 'fanOutChildren') {
    await client.workflow.start(workflowType, { taskQueue, workflowId: `${taskQueue}-parent`, args: [count, FAN_OUT_BATCH] });
  } else {
    await Promise.all(
      Array.from({ length: Number(args.starters) }, async () => {
        while (next < count) {
          const i = next++;
          await client.workflow.start(workflowType, { taskQueue, workflowId: `${taskQueue}-${i}`, args: [] });
        }
      }),
    );
  }
  await done;
  worker.shutdown();
  await running;
  await client.connection.close();
  await connection.close();
  return count / ((lastAt - started) / 1000);
}

// --- The stack -------------------------------------------------------------------------------------------------

function launch(kind: 'orchestration' | 'crawl', env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args.profile)}`] : [];
  const child = spawn(process.execPath, [...profile, BIN, 'worker', kind], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ready = kind === 'crawl' ? 'crawl worker polling' : 'npm: follower';
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(ready)) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${kind} worker exited with ${code}:\n${output.slice(-3000)}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function resultsSoFar(pool: Pool): Promise<{ count: number; first: Date | null; last: Date | null; failed: number }> {
  const { rows } = await pool.query<{ count: string; first: Date | null; last: Date | null; failed: string }>(
    `SELECT count(*) AS count, min(recorded_at) AS first, max(recorded_at) AS last, count(*) FILTER (WHERE type = 'CrawlFailed') AS failed
       FROM events WHERE type IN ${RESULT_TYPES}`,
  );
  return { count: Number(rows[0]!.count), first: rows[0]!.first, last: rows[0]!.last, failed: Number(rows[0]!.failed) };
}

async function waitForResults(pool: Pool, count: number, what: string, timeoutMs: number): Promise<Awaited<ReturnType<typeof resultsSoFar>>> {
  const deadline = Date.now() + timeoutMs;
  let lastReport = 0;
  for (;;) {
    const results = await resultsSoFar(pool);
    if (results.count >= count) return results;
    if (Date.now() > deadline) throw new Error(`${what}: ${results.count} of ${count} results after ${timeoutMs / 1000}s`);
    if (Date.now() - lastReport > 10_000) {
      say(`  ${what}: ${results.count} of ${count} results`);
      lastReport = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const id = randomBytes(4).toString('hex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'changelogs-bench-crawl-'));
  say(`${new Date().toISOString()}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  say(`starting Temporal (${args.temporal})…`);
  const temporal = await startTemporal(id, dir);
  const databaseUrl = new URL(testAdminDatabaseUrl());
  databaseUrl.pathname = `/changelogs_bench_${id}`;
  const children: ChildProcess[] = [];
  const upstreams = await startUpstreams({ github: { authenticatedLimit: 100_000_000 } });
  let pool: Pool | null = null;
  try {
    say('bundling workflows…');
    const bundleOf = async (workflowsPath: string, name: string) => {
      const { code } = await bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never });
      const file = path.join(dir, name);
      fs.writeFileSync(file, code);
      return file;
    };
    const referenceBundle = await bundleOf(require.resolve('./noopWorkflows'), 'reference.js');
    const crawlBundle = await bundleOf(require.resolve('../../workflows'), 'workflows.js');

    // 1. The ceiling.
    // `simulators and bench`: this process, which runs the simulated upstreams (and the reference runs' worker).
    const parts = () => ({ temporal: temporal.pid, postgres: postgresRoot(), 'simulators and bench': process.pid });
    say(`reference: ${RELEASES} workflows of three no-op activities, started from a client…`);
    let before = cpuSnapshot(parts());
    const noopPerSecond = await referenceRun(temporal.address, 'threeActivities', RELEASES, referenceBundle);
    const noopCpu = cpuSpent(before, cpuSnapshot(parts()));
    say(`  ${noopPerSecond.toFixed(1)} workflows/s`);
    say(`reference: ${RELEASES} workflows of the crawl's own shape (two no-op local activities), started from a client…`);
    before = cpuSnapshot(parts());
    const floorPerSecond = await referenceRun(temporal.address, 'twoLocalActivities', RELEASES, referenceBundle);
    const floorCpu = cpuSpent(before, cpuSnapshot(parts()));
    say(`  ${floorPerSecond.toFixed(1)} workflows/s`);
    say(`reference: the same ${RELEASES}, started as children of one workflow that continues as new after each ${FAN_OUT_BATCH}…`);
    before = cpuSnapshot(parts());
    const childrenPerSecond = await referenceRun(temporal.address, 'fanOutChildren', RELEASES, referenceBundle);
    const childrenCpu = cpuSpent(before, cpuSnapshot(parts()));
    say(`  ${childrenPerSecond.toFixed(1)} workflows/s`);

    // 2. The burst, on the real stack.
    const namespace = `bench-${id}`;
    await ensureNamespace(temporal.address, namespace, { retentionDays: 1 });
    pool = await openDatabase(databaseUrl.toString());
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...upstreams.env,
      DATABASE_URL: databaseUrl.toString(),
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: namespace,
      WORKFLOW_BUNDLE: crawlBundle,
      GITHUB_TOKEN: 'bench-token',
      // The simulated forge's quota is set far above what a burst needs: this measures the system, not a quota.
      GITHUB_REQUESTS_PER_HOUR: String(100_000_000),
      FOLLOW_IDLE_SECONDS: '1',
      POLL_INTERVAL_SECONDS: '2',
      PYPI_SERIAL_JOURNAL: '1',
      CRAWL_CONCURRENCY: args.concurrency,
      SANDBOX_IDLE_MS: '60000',
      LOG_LEVEL: 'ERROR',
      // Both workers run on this machine: one metrics port would not do for two, and the benchmark reads none.
      METRICS_PORT: '0',
    };
    say('starting an orchestration worker and a crawl worker…');
    children.push(await launch('crawl', env), await launch('orchestration', env));
    const sources = ["'npm-follow'", ...(REGISTRIES.includes('pypi') ? ["'poll-pypi'"] : [])];
    for (;;) {
      const { rows } = await pool.query(`SELECT count(*) AS n FROM discovery_cursors WHERE source IN (${sources.join(', ')})`);
      if (Number(rows[0].n) === sources.length) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const stackParts = () => ({ ...parts(), 'crawl worker': children[0]!.pid!, 'orchestration worker': children[1]!.pid! });
    say(`burst: publishing ${RELEASES} releases (${REGISTRIES.join(', ')}) at once…`);
    before = cpuSnapshot(stackParts());
    const publishStarted = Date.now();
    const burst = runScenario(upstreams, { releases: RELEASES, perSecond: Infinity, seed: 42, registries: REGISTRIES });
    await burst.done;
    say(`  published in ${((Date.now() - publishStarted) / 1000).toFixed(1)}s`);
    const burstResults = await waitForResults(pool, RELEASES, 'burst', 30 * 60_000);
    const burstCpu = cpuSpent(before, cpuSnapshot(stackParts()));
    const burstSeconds = (burstResults.last!.getTime() - burstResults.first!.getTime()) / 1000;
    const crawlsPerSecond = RELEASES / burstSeconds;
    const publishToLast = (burstResults.last!.getTime() - publishStarted) / 1000;
    const { rows: outcomes } = await pool.query<{ outcome: string; n: string }>("SELECT outcome, count(*) AS n FROM crawls GROUP BY outcome ORDER BY outcome");
    say(`  ${crawlsPerSecond.toFixed(1)} crawls/s from first to last result (${burstSeconds.toFixed(1)}s; ${publishToLast.toFixed(1)}s from the first publish); outcomes: ${outcomes.map((o) => `${o.outcome} ${o.n}`).join(', ')}`);

    // 3. Steady rate.
    let latencyP50Ms = NaN;
    let latencyP99Ms = NaN;
    if (STEADY_SECONDS > 0) {
      const published = new Map<string, number>();
      const total = Math.round(STEADY_RATE * STEADY_SECONDS);
      say(`steady: ${STEADY_RATE} releases/s for ${STEADY_SECONDS}s (${total} releases)…`);
      // The scenario goes on where the burst ended (another seed would publish some of the same versions again).
      const releases = scenarioReleases({ githubWebUrl: upstreams.github.webUrl, seed: 42, registries: REGISTRIES });
      for (let i = 0; i < RELEASES; i++) releases.next();
      const steadyStarted = Date.now();
      for (let i = 0; i < total; i++) {
        const due = steadyStarted + (i * 1000) / STEADY_RATE - Date.now();
        if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
        const ref = await upstreams.publish((releases.next().value as ScenarioRelease).release);
        published.set(`${ref.registry}:${canonicalName(ref.registry, ref.name)}@${ref.version}`, Date.now());
      }
      await waitForResults(pool, RELEASES + total, 'steady', 10 * 60_000);
      const { rows } = await pool.query<{ stream_id: string; recorded_at: Date }>(`SELECT stream_id, recorded_at FROM events WHERE type IN ${RESULT_TYPES}`);
      const latencies = rows.filter((r) => published.has(r.stream_id)).map((r) => r.recorded_at.getTime() - published.get(r.stream_id)!).sort((a, b) => a - b);
      latencyP50Ms = percentile(latencies, 50);
      latencyP99Ms = percentile(latencies, 99);
      say(`  publish → result: p50 ${latencyP50Ms} ms, p99 ${latencyP99Ms} ms (${latencies.length} releases)`);
    }

    const perCrawlMs = (cpu: Record<string, number>, n: number) => Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Math.round((v * 1000) / n)]));
    say('');
    say(`Temporal: ${temporal.label}`);
    say(`| run | per second | CPU ms per workflow: ${Object.keys(burstCpu).join(' / ')} |`);
    say(`| three no-op activities (the ceiling) | ${noopPerSecond.toFixed(1)} | ${Object.values(perCrawlMs(noopCpu, RELEASES)).join(' / ')} |`);
    say(`| two no-op local activities (a crawl's floor) | ${floorPerSecond.toFixed(1)} | ${Object.values(perCrawlMs(floorCpu, RELEASES)).join(' / ')} |`);
    say(`| the same, as children of one workflow | ${childrenPerSecond.toFixed(1)} | ${Object.values(perCrawlMs(childrenCpu, RELEASES)).join(' / ')} |`);
    say(`| crawls, burst of ${RELEASES} | ${crawlsPerSecond.toFixed(1)} | ${Object.values(perCrawlMs(burstCpu, RELEASES)).join(' / ')} |`);
    say(`crawls / ceiling: ${(crawlsPerSecond / noopPerSecond).toFixed(2)}; crawls / floor: ${(crawlsPerSecond / floorPerSecond).toFixed(2)}; failed: ${burstResults.failed}`);
    console.log(
      JSON.stringify({
        crawlsPerSecond: Number(crawlsPerSecond.toFixed(1)),
        noopPerSecond: Number(noopPerSecond.toFixed(1)),
        ratio: Number((crawlsPerSecond / noopPerSecond).toFixed(2)),
        latencyP50Ms,
        latencyP99Ms,
        temporal: temporal.label,
      }),
    );
  } finally {
    await Promise.all(children.map(stop));
    await pool?.end();
    await upstreams.close();
    await temporal.stop();
    await dropDatabase(databaseUrl.toString()).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
