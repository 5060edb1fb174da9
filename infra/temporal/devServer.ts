// Starts a Temporal dev server: the CLI's `server start-dev` (found or built with Go) as a child process,
// or, where no CLI can be had, the dev server the Temporal SDK downloads itself.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { Connection } from '@temporalio/client';
import type * as Testing from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';
import { HOW_TO_PROVIDE_TEMPORAL, locateOrBuildTemporalCli, TemporalCliNotFoundError } from './goTools';

export interface DevServerOptions {
  /** gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; no UI when omitted. */
  uiPort?: number;
  /** SQLite file that keeps workflow history across restarts; in memory when omitted. */
  dbFilename?: string;
  namespace?: string;
  /** `--dynamic-config-value KEY=VALUE` settings (tests lower history limits with these). */
  dynamicConfig?: Record<string, string | number | boolean>;
  progress?: (line: string) => void;
}

export interface DevServer {
  address: string;
  namespace: string;
  /** What runs it, for the start-up message. */
  executable: string;
  pid: number | null;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function devServerArgs(options: DevServerOptions, port: number, namespace: string): string[] {
  return [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(port),
    '--namespace', namespace,
    '--log-level', 'error',
    ...(options.uiPort !== undefined ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...(options.dbFilename !== undefined ? ['--db-filename', options.dbFilename] : []),
    ...ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]),
  ];
}

async function waitUntilServing(address: string, child: ChildProcess, output: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${child.exitCode}:\n${output()}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the Temporal dev server did not answer on ${address} within ${timeoutMs / 1000}s: ${(err as Error).message}`, { cause: err });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function spawnCli(cliPath: string, label: string, options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const address = `127.0.0.1:${port}`;
  const child = spawn(cliPath, devServerArgs(options, port, namespace), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitUntilServing(address, child, () => output);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    address,
    namespace,
    executable: label,
    pid: child.pid ?? null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.kill('SIGTERM');
        await exited;
        clearTimeout(killer);
      }
    },
  };
}

async function startSdkDownload(options: DevServerOptions): Promise<DevServer> {
  const namespace = options.namespace ?? 'default';
  try {
    // Loaded only here: the SDK's download is the last resort, and the crawl and API processes never need it.
    const { TestWorkflowEnvironment } = require('@temporalio/testing') as typeof Testing;
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        namespace,
        ip: '127.0.0.1',
        ...(options.port !== undefined && { port: options.port }),
        ...(options.uiPort !== undefined ? { ui: true, uiPort: options.uiPort } : { ui: false }),
        ...(options.dbFilename !== undefined && { dbFilename: options.dbFilename }),
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        extraArgs: Object.entries(options.dynamicConfig ?? {}).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]),
      },
    });
    return { address: env.address, namespace, executable: 'downloaded by the Temporal SDK', pid: null, stop: () => env.teardown() };
  } catch (err) {
    throw new TemporalCliNotFoundError(`${HOW_TO_PROVIDE_TEMPORAL}\n(the SDK's download failed: ${(err as Error).message})`, { cause: err });
  }
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const cli = await locateOrBuildTemporalCli(process.env, options.progress);
  if (cli) return spawnCli(cli.path, `${cli.path} (${cli.source})`, options);
  options.progress?.('No Temporal CLI and no Go toolchain: trying the Temporal SDK download.');
  return startSdkDownload(options);
}
