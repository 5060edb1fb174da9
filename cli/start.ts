// `npm start`: the whole stack on this machine — Temporal dev server, migrations, both workers, the API —
// each worker in its own process. Ctrl-C stops every part.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type Config, loadConfig } from '../infra/config';
import type * as Simulators from '../demo';
import type * as Scenario from '../demo/scenario';
import type { Pool } from 'pg';
import { dropDatabase, openDatabase } from '../infra/db';
import { API_ENVIRONMENT, API_NODE_FLAGS } from '../api/nodeFlags';
import { reportCrawlProgress } from './crawlProgress';
import { startDevServer } from '../infra/temporal/devServer';
import { startTemporalServer } from '../infra/temporal/server';
import { shutdownDeadlineMs } from '../workers/shutdown';

const BIN = path.join(__dirname, '..', 'bin', 'changelogs.js');

/** `file`, removed first (with SQLite's side files) so the server starts empty. */
function freshFile(file: string): string {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
  return file;
}

function say(line: string): void {
  console.log(`[start] ${line}`);
}

function prefixLines(stream: NodeJS.ReadableStream, label: string, out: NodeJS.WritableStream): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) out.write(`[${label}] ${line}\n`);
  });
  stream.on('end', () => pending && out.write(`[${label}] ${pending}\n`));
}

function launch(label: string, args: string[], env: NodeJS.ProcessEnv, nodeFlags: readonly string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  prefixLines(child.stdout!, label, process.stdout);
  prefixLines(child.stderr!, label, process.stderr);
  return child;
}

function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * A metrics port for each worker process, since both run on this machine: METRICS_PORT for the orchestration
 * worker, the next one for the crawl worker (0 turns both off).
 */
function workerMetricsPorts(config: Config): { orchestration: number; crawl: number } {
  const base = config.metricsPort;
  return base === 0 ? { orchestration: 0, crawl: 0 } : { orchestration: base, crawl: base + 1 };
}

interface Demo {
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Offline demo: local simulators of every upstream, fed a steady stream of realistic releases. */
async function startDemo(config: Config): Promise<Demo> {
  // Loaded only in demo mode: a live run never loads the simulators.
  const { startUpstreams } = require('../demo') as typeof Simulators;
  const { runScenario } = require('../demo/scenario') as typeof Scenario;
  const upstreams = await startUpstreams();
  const scenario = runScenario(upstreams, { perSecond: 2, seed: Date.now() % 100_000 });
  const { discovery } = config;
  return {
    env: {
      ...upstreams.env,
      UPSTREAMS: 'live',
      // Demo defaults: show crawls within seconds. Explicit settings still win.
      POLL_INTERVAL_SECONDS: process.env.POLL_INTERVAL_SECONDS ?? String(Math.min(discovery.pollIntervalSeconds, 10)),
      FOLLOW_IDLE_SECONDS: process.env.FOLLOW_IDLE_SECONDS ?? String(Math.min(discovery.followIdleSeconds, 2)),
      GITHUB_TOKEN: process.env.GITHUB_TOKEN ?? 'demo-token',
    },
    async stop() {
      await scenario.stop();
      await upstreams.close();
    },
  };
}

interface OwnTemporal {
  address: string;
  executable: string;
  stop(): Promise<void>;
}

/**
 * The Temporal `npm start` runs when no TEMPORAL_ADDRESS is given: the CLI's dev server (a SQLite file), or with
 * TEMPORAL_SERVER=postgres the Temporal server persisting to Postgres. The demo keeps its history apart from a
 * live run's, and starts it empty, as it does its own data.
 */
async function startOwnTemporal(config: Config, demoMode: boolean): Promise<OwnTemporal> {
  const { temporal } = config;
  if (temporal.server === 'postgres') {
    say('starting the Temporal server (Postgres persistence)…');
    const databases = demoMode ? { main: 'temporal_demo', visibility: 'temporal_demo_visibility' } : { main: 'temporal', visibility: 'temporal_visibility' };
    if (demoMode) for (const database of Object.values(databases)) await dropDatabase(databaseOn(temporal.postgresUrl, database));
    return startTemporalServer({
      postgresUrl: temporal.postgresUrl,
      databases,
      port: temporal.port,
      uiPort: temporal.uiPort,
      namespace: temporal.namespace,
      dataDir: temporal.dataDir,
      historyShards: temporal.historyShards,
      progress: say,
    });
  }
  say('starting the Temporal dev server…');
  return startDevServer({
    port: temporal.port,
    uiPort: temporal.uiPort,
    dbFilename: demoMode ? freshFile(path.join(temporal.dataDir, 'temporal-demo.db')) : path.join(temporal.dataDir, 'temporal.db'),
    namespace: temporal.namespace,
    progress: say,
  });
}

function databaseOn(postgresUrl: string, database: string): string {
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function run(): Promise<number> {
  const config = loadConfig();
  let devServer: OwnTemporal | null = null;
  let demo: Demo | null = null;
  const children: { label: string; child: ChildProcess }[] = [];
  let stopping = false;
  let exitCode = 0;
  let pool: Pool | undefined;
  let stopProgress: () => Promise<void> = async () => undefined;

  const stopAll = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await stopProgress();
    // The workers first: each finishes the crawls it holds, within its own deadline (a moment more before it is
    // killed), while the demo's simulated upstreams still answer them.
    await Promise.all(children.map(({ child }) => stopChild(child, shutdownDeadlineMs(config) + 5_000)));
    await demo?.stop();
    await pool?.end();
    await devServer?.stop();
    say('stopped');
  };

  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const stopAndFinish = () => void stopAll().then(finish);
  process.once('SIGINT', stopAndFinish);
  process.once('SIGTERM', stopAndFinish);

  try {
    // The simulated registries are new on every run, so what an earlier demo stored would point at packages
    // that no longer exist (and its unfinished crawls would fail): the demo's own data starts empty each time.
    const demoMode = config.upstreams.mode === 'demo';
    if (demoMode && !process.env.DATABASE_URL) await dropDatabase(config.databaseUrl);
    let address = config.temporal.address;
    if (address) {
      say(`using the Temporal server at ${address}`);
    } else {
      fs.mkdirSync(config.temporal.dataDir, { recursive: true });
      devServer = await startOwnTemporal(config, demoMode);
      address = devServer.address;
      say(`Temporal on ${address}: ${devServer.executable}`);
    }

    pool = await openDatabase(config.databaseUrl, say);
    say(`Postgres ready (${config.databaseUrl.replace(/:[^:@/]*@/, ':***@')})`);

    // Mutations always need a token; one is made up for this run when none is configured.
    const token = config.api.token ?? randomBytes(24).toString('base64url');
    let upstreamEnv: Record<string, string> = {};
    if (config.upstreams.mode === 'demo') {
      demo = await startDemo(config);
      upstreamEnv = demo.env;
    }
    const env = {
      ...process.env,
      ...upstreamEnv,
      DATABASE_URL: config.databaseUrl,
      TEMPORAL_ADDRESS: address,
      API_TOKEN: token,
      // The pages link crawls to the UI this run serves (given an address, only a TEMPORAL_UI_URL set by hand).
      ...(config.temporal.uiUrl && { TEMPORAL_UI_URL: config.temporal.uiUrl }),
    };
    const metricsPorts = workerMetricsPorts(config);
    for (const [label, args, own] of [
      ['orchestration', ['worker', 'orchestration'], { METRICS_PORT: String(metricsPorts.orchestration) }],
      ['crawl', ['worker', 'crawl'], { METRICS_PORT: String(metricsPorts.crawl) }],
      // The API's production environment, where the user has not set a variable of it by hand.
      ['api', ['api'], Object.fromEntries(Object.entries(API_ENVIRONMENT).map(([name, value]) => [name, process.env[name] || value]))],
    ] as const) {
      const child = launch(label, [...args], { ...env, ...own }, label === 'api' ? API_NODE_FLAGS : []);
      children.push({ label, child });
      child.once('exit', (code, signal) => {
        if (stopping) return;
        say(`${label} exited unexpectedly (${signal ?? `code ${code}`}); stopping the stack`);
        exitCode = 1;
        stopAndFinish();
      });
    }

    say(`GraphQL API:  http://localhost:${config.api.port}/graphql`);
    say(`Web pages:    http://localhost:${config.api.port}/ (feed: /feed.atom)`);
    if (devServer) say(`Temporal UI:  http://localhost:${config.temporal.uiPort}`);
    if (config.metricsPort !== 0) {
      say(`Metrics:      http://localhost:${metricsPorts.orchestration}/metrics (orchestration worker), http://localhost:${metricsPorts.crawl}/metrics (crawl worker)`);
    }
    if (demo) {
      say('demo mode: simulated npm, RubyGems, PyPI and GitHub on local ports, publishing ~2 releases a second;');
      say('  the demo starts from empty data on every run;');
      say('  set UPSTREAMS=live (and the upstream URLs in the README) to watch the real registries');
    } else {
      const { upstreams } = config;
      say(`live mode: npm registry ${upstreams.npmRegistryUrl}; feed ${upstreams.npmReplicateUrl ?? 'off'}; ` +
        `RubyGems ${upstreams.rubygemsUrl ?? 'off'}; PyPI ${upstreams.pypiUrl ?? 'off'}; forge ${upstreams.githubApiUrl ?? 'off'}`);
    }
    say(`mutations need  Authorization: Bearer ${token}${config.api.token ? '' : '  (generated for this run; set API_TOKEN to choose one)'}`);
    say('press Ctrl-C to stop');
    stopProgress = reportCrawlProgress(pool, say);
  } catch (err) {
    console.error(`[start] ${err instanceof Error ? err.message : String(err)}`);
    await stopAll();
    return 1;
  }
  await finished;
  return exitCode;
}
