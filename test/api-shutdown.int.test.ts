// `changelogs api` as a process, stopped with SIGTERM: it stops accepting connections, ends live streams
// (websockets close with 1001, server-sent event streams complete), lets a request in flight finish, and
// exits 0; a request that outlasts the grace period is cut off, and the process still exits 0.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createClient } from 'graphql-ws';
import type { PoolClient } from 'pg';
import WebSocket from 'ws';
import { recordRelease } from './support/releases';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';

const BIN = path.join(__dirname, '..', 'bin', 'changelogs.js');

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ crawlWorker: false, orchestrationWorker: false });
  await recordRelease(stack.pool, { registry: 'npm', name: 'in-flight', version: '1.0.0' });
});
afterAll(async () => {
  await stack?.stop();
});

interface ApiProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startApiProcess(env: Record<string, string> = {}): Promise<ApiProcess> {
  const child = spawn(process.execPath, [BIN, 'api'], { env: { ...process.env, ...stack.env, PORT: '0', API_TOKEN: 'shutdown-test', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await waitFor('the API process to listen', async () => {
    if (child.exitCode !== null) throw new Error(`the API process exited (${child.exitCode}):\n${output}`);
    return /GraphQL API listening on (\S+)/.exec(output)?.[1];
  }, 60_000, 100);
  return { child, url, output: () => output, exited };
}

/** Holds an exclusive lock on the packages table, so a request that reads a package waits on it. */
async function lockPackages(): Promise<PoolClient> {
  const client = await stack.pool.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE packages IN ACCESS EXCLUSIVE MODE');
  return client;
}

async function waitForBlockedStatement(): Promise<void> {
  await waitFor('the request to wait on the lock', async () => {
    const { rows } = await stack.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM packages%'",
    );
    return rows[0]!.n > 0 ? true : undefined;
  }, 20_000, 50);
}

const PACKAGE = '{ package(registry: NPM, name: "in-flight") { name latestVersion } }';

test('SIGTERM: no new connections, live streams ended, the request in flight answered, exit code 0', async () => {
  const api = await startApiProcess({ API_SHUTDOWN_GRACE_MS: '30000' });
  const base = api.url.replace(/\/graphql$/, '');

  // A graphql-ws subscriber and a server-sent events subscriber.
  let closeCode: number | undefined;
  let wsCompleted = false;
  const ws = createClient({ url: api.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined, on: { closed: (event) => (closeCode = (event as { code: number }).code) } });
  ws.subscribe({ query: 'subscription { crawls { cursor } }' }, { next: () => undefined, error: () => undefined, complete: () => (wsCompleted = true) });
  const sse = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: 'subscription { crawls { cursor } }' }),
  });
  const sseText = (async () => {
    const reader = sse.body!.getReader();
    let text = '';
    for (let read = await reader.read(); !read.done; read = await reader.read()) text += Buffer.from(read.value).toString('utf8');
    return text;
  })();
  await waitFor('both subscribers to be counted', async () => {
    const metrics = await (await fetch(`${base}/metrics`)).text();
    return /^changelogs_api_stream_subscribers 2$/m.test(metrics) ? true : undefined;
  }, 20_000);

  const lock = await lockPackages();
  let inFlight: Promise<Response>;
  try {
    inFlight = fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: PACKAGE }) });
    await waitForBlockedStatement();
    api.child.kill('SIGTERM');

    // New connections are refused at once; the streams end; the process waits for the request.
    await waitFor('the server to stop accepting connections', async () => fetch(`${base}/healthz`).then(() => undefined, () => true), 10_000, 50);
    await waitFor('the websocket to close with 1001', async () => (closeCode === undefined ? undefined : closeCode), 10_000);
    expect(closeCode).toBe(1001);
    expect(wsCompleted).toBe(true);
    expect(await sseText).toMatch(/event: complete/);
    expect(api.child.exitCode).toBeNull();
  } finally {
    await lock.query('COMMIT');
    lock.release();
  }

  const response = await inFlight;
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ data: { package: { name: 'in-flight', latestVersion: '1.0.0' } } });
  expect(await api.exited).toEqual({ code: 0, signal: null });
  expect(api.output()).toMatch(/SIGTERM: shutting down/);
  expect(api.output()).toMatch(/\[api\] stopped/);
  await ws.dispose();
});

test('a request that outlasts the grace period is cut off, and the process still exits 0', async () => {
  const api = await startApiProcess({ API_SHUTDOWN_GRACE_MS: '1000' });
  const lock = await lockPackages();
  try {
    const inFlight = fetch(api.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: PACKAGE }) }).then(
      (response) => `answered ${response.status}`,
      () => 'cut off',
    );
    await waitForBlockedStatement();
    const stopping = Date.now();
    api.child.kill('SIGTERM');
    expect(await inFlight).toBe('cut off');
    expect(await api.exited).toEqual({ code: 0, signal: null });
    // The grace period, then a bounded wait for the pool's busy connection.
    expect(Date.now() - stopping).toBeLessThan(15_000);
  } finally {
    await lock.query('COMMIT');
    lock.release();
  }
});
