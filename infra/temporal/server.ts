// A durable Temporal: the real server (v1.32.0, built with Go where no binary is given) persisting workflows
// and visibility to Postgres, and its Web UI. It creates the `temporal` and `temporal_visibility` databases,
// sets up and updates both schemas with the server's own SQL tool (the schemas are embedded in it), writes the
// server's configuration, starts it, creates the namespace and search attributes, and starts the UI.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { Client } from 'pg';
import { ensureDatabase } from '../db/ensureDatabase';
import { requireTool, TEMPORAL_SERVER, TEMPORAL_SQL_TOOL, TEMPORAL_UI } from './goTools';
import { ensureNamespace } from './namespace';

const run = promisify(execFile);

export interface TemporalServerOptions {
  /** A Postgres URL whose server (host, port, user, password) holds Temporal's databases; its database is ignored. */
  postgresUrl: string;
  /** Names of the two databases; default `temporal` and `temporal_visibility`. */
  databases?: { main: string; visibility: string };
  /** Frontend gRPC port; the other services listen on the ports just above it. */
  port: number;
  /** Web UI port; no UI when omitted. */
  uiPort?: number;
  namespace: string;
  /** Where the server's configuration files are written. */
  dataDir: string;
  /**
   * Fixed when the cluster is created: the history service's unit of parallelism (each shard serialises its
   * own writes). Default 16; a cluster created with another number keeps it (changing it needs a new cluster).
   */
  historyShards?: number;
  /**
   * Connections each of the server's four services may open to the main database (the visibility store gets a
   * third); half of them are kept open when idle. Default 10: the four services together then stay within about
   * 55 of Postgres's default 100 connections.
   */
  maxConnections?: number;
  /** Dynamic configuration (setting → value), on top of this project's tuned defaults. */
  dynamicConfig?: Record<string, unknown>;
  progress?: (line: string) => void;
}

export interface TemporalServer {
  address: string;
  namespace: string;
  /** What runs it, for the start-up message. */
  executable: string;
  uiUrl: string | null;
  pid: number | null;
  stop(): Promise<void>;
}

/**
 * Settings that are safe on one small machine as on a cluster, and raise throughput. Durability is untouched:
 * every write still commits to Postgres before it is acknowledged.
 */
export const TUNED_DYNAMIC_CONFIG: Record<string, unknown> = {
  // One partition per task queue: with a handful of workers, partitions only scatter pollers and tasks, so
  // fewer tasks meet a waiting poller (sync match) and more go through the database.
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

interface PostgresParts {
  host: string;
  port: number;
  user: string;
  password: string;
}

function partsOf(postgresUrl: string): PostgresParts {
  const url = new URL(postgresUrl);
  return {
    host: url.hostname || '127.0.0.1',
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username) || process.env.USER || 'postgres',
    password: decodeURIComponent(url.password),
  };
}

function databaseUrl(postgresUrl: string, database: string): string {
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The number of history shards a database was created with, or null for a new one. */
async function existingShards(url: string): Promise<number | null> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ shards: string }>("SELECT count(*) AS shards FROM shards WHERE to_regclass('shards') IS NOT NULL");
    const shards = Number(rows[0]?.shards ?? 0);
    return shards > 0 ? shards : null;
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

/** Creates the database if missing and brings its schema to the tool's latest version (both idempotent). */
async function prepareSchema(sqlTool: string, pg: PostgresParts, database: string, schema: string, progress: (line: string) => void): Promise<void> {
  const args = ['--plugin', 'postgres12', '--endpoint', pg.host, '--port', String(pg.port), '--user', pg.user, '--database', database];
  const env = { ...process.env, SQL_PASSWORD: pg.password };
  try {
    await run(sqlTool, [...args, 'setup-schema', '-v', '0.0'], { env });
    await run(sqlTool, [...args, 'update-schema', '--schema-name', schema], { env });
  } catch (err) {
    const output = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
    throw new Error(`setting up the ${schema} schema in ${database} failed:\n${output.split('\n').slice(-10).join('\n')}`, { cause: err });
  }
  progress(`schema ${schema} is up to date in ${database}`);
}

/** The highest port the server can record for cluster membership (its column is a smallint). */
const MAX_MEMBERSHIP_PORT = 32767;

/** Where each service listens, above the frontend's gRPC port: one number places the whole server. */
const SERVICE_PORTS = { frontend: 0, history: 1, matching: 2, worker: 6, 'frontend HTTP': 10 } as const;
/** Where each service's membership protocol listens, above the membership base (the frontend's HTTP port has none). */
const MEMBERSHIP_OFFSETS = [SERVICE_PORTS.frontend, SERVICE_PORTS.history, SERVICE_PORTS.matching, SERVICE_PORTS.worker];
/** How far below the frontend's port the membership ports start, when there is room. */
const MEMBERSHIP_BELOW = 300;

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A random base between `from` and `from + span` at which every one of `offsets` is a free port; undefined if 200 tries found none. */
async function freeBlock(from: number, span: number, offsets: readonly number[]): Promise<number | undefined> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = from + Math.floor(Math.random() * span);
    if ((await Promise.all(offsets.map((offset) => portIsFree(base + offset)))).every(Boolean)) return base;
  }
  return undefined;
}

/**
 * Four ports for the services' membership protocol: just below the frontend's when it leaves room (7233 gives
 * 6933–6939), else free ones found below 32768, since the server stores them in a smallint.
 */
async function membershipPorts(port: number): Promise<number> {
  const base = port - MEMBERSHIP_BELOW;
  if (base >= 1024 && base + SERVICE_PORTS.worker <= MAX_MEMBERSHIP_PORT) return base;
  const free = await freeBlock(20_000, 12_000, MEMBERSHIP_OFFSETS);
  if (free === undefined) throw new Error('no free ports below 32768 for the Temporal server\'s membership protocol');
  return free;
}

/**
 * A frontend port for a server started beside other work (the tests, the benchmarks): every port its services
 * and their membership protocol will listen on is free. The ports lie below the kernel's ephemeral range (from
 * 32768 by default), so that no outgoing connection of the busy machine holds one; a port that the kernel hands
 * out, as `listen(0)` does, leaves the services' ports above it to chance, and an outgoing connection on one of
 * them stops the server at start.
 */
export async function freeServerPort(): Promise<number> {
  const offsets = [...Object.values(SERVICE_PORTS), ...MEMBERSHIP_OFFSETS.map((offset) => offset - MEMBERSHIP_BELOW)];
  const free = await freeBlock(20_300, 12_000, offsets);
  if (free === undefined) throw new Error('no free block of ports between 20000 and 32310 for a Temporal server');
  return free;
}

/**
 * Fails, naming them, when ports the services would listen on are taken: the server itself would exit with a bind
 * error from one of its services, after the schemas were prepared.
 */
export async function assertServicePortsFree(port: number): Promise<void> {
  const checks = await Promise.all(Object.entries(SERVICE_PORTS).map(async ([service, offset]) => ((await portIsFree(port + offset)) ? null : `${port + offset} (${service})`)));
  const busy = checks.filter((check): check is string => check !== null);
  if (busy.length === 0) return;
  const one = busy.length === 1;
  throw new Error(`the Temporal server listens on ${port} and the ports just above it, and ${busy.join(', ')} ${one ? 'is' : 'are'} in use: stop what holds ${one ? 'it' : 'them'}, or choose another port (TEMPORAL_PORT)`);
}

/** The server's static configuration, as JSON (which YAML readers take as it is). */
function serverConfig(options: TemporalServerOptions, pg: PostgresParts, databases: { main: string; visibility: string }, shards: number, dynamicConfigFile: string, membership: number): object {
  const { port } = options;
  const maxConns = options.maxConnections ?? 10;
  const store = (databaseName: string, connections: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${pg.host}:${pg.port}`,
      connectProtocol: 'tcp',
      user: pg.user,
      password: pg.password,
      maxConns: connections,
      maxIdleConns: Math.ceil(connections / 2),
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: object = {}) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra } });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: shards,
      datastores: { default: store(databases.main, maxConns), visibility: store(databases.visibility, Math.max(2, Math.ceil(maxConns / 3))) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(port, membership, { httpPort: port + SERVICE_PORTS['frontend HTTP'] }),
      history: service(port + SERVICE_PORTS.history, membership + SERVICE_PORTS.history),
      matching: service(port + SERVICE_PORTS.matching, membership + SERVICE_PORTS.matching),
      worker: service(port + SERVICE_PORTS.worker, membership + SERVICE_PORTS.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${port}`, httpAddress: `127.0.0.1:${port + SERVICE_PORTS['frontend HTTP']}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/** Dynamic configuration in the server's file format: each setting a list of (constrained) values. */
function dynamicConfigFile(settings: Record<string, unknown>): object {
  return Object.fromEntries(Object.entries(settings).map(([key, value]) => [key, [{ value }]]));
}

/** Appends the process's output to `logFile`, and keeps its tail for error messages. */
function keepOutput(child: ChildProcess, logFile: string): () => string {
  const log = fs.createWriteStream(logFile, { flags: 'a' });
  child.once('exit', (code, signal) => log.end(`[exited: ${signal ?? `code ${code}`}]\n`));
  let output = '';
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => output;
}

async function waitUntilServing(address: string, child: ChildProcess, output: () => string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal server exited with code ${child.exitCode}:\n${output()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the Temporal server did not answer on ${address} within ${timeoutMs / 1000}s: ${(err as Error).message}\n${output()}`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
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

async function startUi(uiServer: string, dir: string, options: TemporalServerOptions & { uiPort: number }, address: string): Promise<ChildProcess> {
  const configDir = path.join(dir, 'ui', 'config');
  fs.mkdirSync(configDir, { recursive: true });
  const config = {
    temporalGrpcAddress: address,
    host: '127.0.0.1',
    port: options.uiPort,
    enableUi: true,
    defaultNamespace: options.namespace,
    showTemporalSystemNamespace: false,
    notifyOnNewVersion: false,
    cors: { allowOrigins: [] },
  };
  fs.writeFileSync(path.join(configDir, 'production.yaml'), JSON.stringify(config, null, 2));
  const child = spawn(uiServer, ['--root', path.join(dir, 'ui'), '--config', 'config', '--env', 'production', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = keepOutput(child, path.join(dir, 'ui.log'));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal Web UI exited with code ${child.exitCode}:\n${output()}`);
    const ok = await fetch(`http://127.0.0.1:${options.uiPort}/`).then((r) => r.ok, () => false);
    if (ok) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal Web UI did not answer on port ${options.uiPort}:\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  await assertServicePortsFree(options.port);
  const progress = options.progress ?? (() => undefined);
  const [server, sqlTool] = [await requireTool(TEMPORAL_SERVER, process.env, progress), await requireTool(TEMPORAL_SQL_TOOL, process.env, progress)];
  const uiServer = options.uiPort !== undefined ? await requireTool(TEMPORAL_UI, process.env, progress) : null;
  const pg = partsOf(options.postgresUrl);
  const databases = options.databases ?? { main: 'temporal', visibility: 'temporal_visibility' };
  for (const [database, schema] of [[databases.main, 'postgresql/v12/temporal'], [databases.visibility, 'postgresql/v12/visibility']] as const) {
    await ensureDatabase(databaseUrl(options.postgresUrl, database));
    await prepareSchema(sqlTool, pg, database, schema, progress);
  }
  const wanted = options.historyShards ?? 16;
  const shards = (await existingShards(databaseUrl(options.postgresUrl, databases.main))) ?? wanted;
  if (shards !== wanted) progress(`this cluster was created with ${shards} history shards; keeping them (the number is fixed at creation)`);

  const dir = path.join(options.dataDir, 'temporal-server');
  fs.mkdirSync(dir, { recursive: true });
  const dynamicFile = path.join(dir, 'dynamicconfig.yaml');
  fs.writeFileSync(dynamicFile, JSON.stringify(dynamicConfigFile({ ...TUNED_DYNAMIC_CONFIG, ...options.dynamicConfig }), null, 2));
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(configFile, JSON.stringify(serverConfig(options, pg, databases, shards, dynamicFile, await membershipPorts(options.port)), null, 2), { mode: 0o600 });

  const address = `127.0.0.1:${options.port}`;
  const child = spawn(server, ['--config-file', configFile, '--allow-no-auth', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = keepOutput(child, path.join(dir, 'server.log'));
  let ui: ChildProcess | null = null;
  try {
    await waitUntilServing(address, child, output);
    await ensureNamespace(address, options.namespace, { log: progress });
    if (uiServer && options.uiPort !== undefined) ui = await startUi(uiServer, dir, { ...options, uiPort: options.uiPort }, address);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    namespace: options.namespace,
    executable: `${server} (Postgres ${pg.host}:${pg.port}, ${databases.main} and ${databases.visibility}, ${shards} history shards)`,
    uiUrl: options.uiPort !== undefined ? `http://localhost:${options.uiPort}` : null,
    pid: child.pid ?? null,
    async stop() {
      if (ui) await stopProcess(ui);
      await stopProcess(child);
    },
  };
}
