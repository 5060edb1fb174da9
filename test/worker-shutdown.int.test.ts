// SIGTERM to a real `changelogs worker crawl` process while a crawl runs in it: the worker takes no new work,
// finishes the crawl it holds, and exits 0; a crawl that outlasts the grace period is abandoned (exit 1) and
// taken over by the next worker. Either way every crawl completes exactly once.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resultCounts, streamOf } from './support/results';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';
import { startWorkerProcess, type WorkerProcess } from './support/workerProcess';

const CHANGELOG = (name: string) => `# Changelog\n\nAll notable changes are listed here.\n\n## 1.0.0 - 2026-11-01\n\n- The first release of ${name} worth reading about.\n`;

let stack: TestStack;
const started: WorkerProcess[] = [];

beforeAll(async () => {
  stack = await startStack({ crawlWorker: false });
});
afterAll(async () => {
  for (const { child } of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await stack?.stop();
});

async function startCrawlWorker(env: Record<string, string> = {}): Promise<WorkerProcess & { output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
  const worker = await startWorkerProcess('crawl', { ...stack.env, ...env });
  started.push(worker);
  let output = '';
  worker.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  worker.child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => worker.child.once('exit', (code, signal) => resolve({ code, signal })));
  return { ...worker, output: () => output, exited };
}

/** Sandbox processes the worker `pid` has started and that are alive now. */
function sandboxesOf(pid: number): number[] {
  try {
    const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(pid)], { encoding: 'utf8' });
    return out.split('\n').filter((line) => line.includes('--max-old-space-size')).map((line) => Number(line.trim().split(/\s+/)[0]));
  } catch {
    return []; // ps exits 1 when there are none
  }
}

/** Whether `pid` runs: a killed process whose parent is gone may linger as a zombie until something reaps it. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function publish(name: string): Promise<{ registry: 'npm'; name: string; version: string }> {
  await stack.npm.publish({ name, version: '1.0.0', files: { 'CHANGELOG.md': CHANGELOG(name) } });
  return { registry: 'npm', name, version: '1.0.0' };
}

function tarballRequested(name: string): boolean {
  return stack.npm.requests().some((r) => r.path.endsWith(`/${name}-1.0.0.tgz`));
}

test('SIGTERM mid-crawl: the worker polls no more, finishes the crawl it holds, and exits 0', async () => {
  const warm = await publish('warm-up');
  const slow = await publish('slow-download');
  const worker = await startCrawlWorker();
  // A crawl first, so that the worker has a sandbox idle in its pool when it is told to stop.
  expect(await (await stack.startCrawl(warm)).result()).toBe('found');
  const idleSandboxes = sandboxesOf(worker.pid);
  expect(idleSandboxes.length).toBeGreaterThan(0);

  stack.npm.delay(/\/slow-download-1\.0\.0\.tgz$/, 8_000, { times: 1 });
  const slowCrawl = await stack.startCrawl(slow);
  await waitFor('the slow download to start', async () => (tarballRequested('slow-download') ? true : undefined), 60_000, 50);
  const signalledAt = Date.now();
  worker.child.kill('SIGTERM');
  await waitFor('the worker to stop polling', async () => (worker.output().includes('crawl worker stopping on SIGTERM') ? true : undefined), 30_000, 20);
  // Started once the worker has stopped polling: it must be left to the next worker.
  const later = await publish('after-the-signal');
  const laterCrawl = await stack.startCrawl(later);

  const exit = await worker.exited;
  const tookMs = Date.now() - signalledAt;
  console.log(`crawl worker stopped ${tookMs} ms after SIGTERM: ${JSON.stringify(exit)}`);
  expect(exit).toEqual({ code: 0, signal: null });
  expect(worker.output()).toContain('crawl worker stopped: every task it held finished');
  // It waited for the download it held (8 s), and the crawl it was in finished there.
  expect(tookMs).toBeGreaterThanOrEqual(7_000);
  const atExit = await resultCounts(stack.pool);
  expect(atExit.get(streamOf(slow))).toBe(1);
  expect(atExit.get(streamOf(later))).toBeUndefined();
  expect(tarballRequested('after-the-signal')).toBe(false);
  // No sandbox outlived it (a SIGKILL takes a moment to land).
  await waitFor('its sandboxes to be gone', async () => (idleSandboxes.some(isRunning) ? undefined : true), 5_000, 50);

  const next = await startCrawlWorker();
  expect(await slowCrawl.result()).toBe('found');
  expect(await laterCrawl.result()).toBe('found');
  const counts = await resultCounts(stack.pool);
  expect([counts.get(streamOf(slow)), counts.get(streamOf(later))]).toEqual([1, 1]);

  // An idle worker stops at once.
  const idleSignalledAt = Date.now();
  next.child.kill('SIGTERM');
  expect(await next.exited).toEqual({ code: 0, signal: null });
  console.log(`an idle crawl worker stopped ${Date.now() - idleSignalledAt} ms after SIGTERM`);
}, 240_000);

test('a crawl that outlasts the grace period is abandoned (exit 1) and completes once on the next worker', async () => {
  const slow = await publish('slower-than-grace');
  const worker = await startCrawlWorker({ WORKER_SHUTDOWN_GRACE_MS: '1000' });
  stack.npm.delay(/\/slower-than-grace-1\.0\.0\.tgz$/, 20_000, { times: 1 });
  const crawl = await stack.startCrawl(slow);
  await waitFor('the slow download to start', async () => (tarballRequested('slower-than-grace') ? true : undefined), 60_000, 50);
  const signalledAt = Date.now();
  worker.child.kill('SIGTERM');

  const exit = await worker.exited;
  const tookMs = Date.now() - signalledAt;
  console.log(`crawl worker gave up ${tookMs} ms after SIGTERM: ${JSON.stringify(exit)}`);
  expect(exit).toEqual({ code: 1, signal: null });
  expect(worker.output()).toMatch(/stopping with tasks still running after 6000 ms \(WORKER_SHUTDOWN_GRACE_MS and 5 s\)/);
  expect(tookMs).toBeLessThan(20_000);
  expect((await resultCounts(stack.pool)).get(streamOf(slow))).toBeUndefined();

  await startCrawlWorker();
  expect(await crawl.result()).toBe('found');
  expect((await resultCounts(stack.pool)).get(streamOf(slow))).toBe(1);
}, 240_000);
