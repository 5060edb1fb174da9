// The crawl worker is a real process here, killed with SIGKILL during a burst of crawls: every crawl still
// completes, once, when a new worker takes over.
import type { ChildProcess } from 'node:child_process';
import { resultCounts } from './support/results';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';
import { startWorkerProcess } from './support/workerProcess';

const BURST = 200;

let stack: TestStack;
let worker: ChildProcess | null = null;

async function startCrawlWorker(): Promise<ChildProcess> {
  return (await startWorkerProcess('crawl', stack.env)).child;
}

beforeAll(async () => {
  stack = await startStack({ crawlWorker: false });
});
afterAll(async () => {
  worker?.kill('SIGKILL');
  await stack?.stop();
});

test(`kill -9 of the crawl worker during a burst of ${BURST} crawls: each completes once`, async () => {
  const changelog = (v: string) => `# Changelog\n\n## ${v} - 2026-11-01\n\n- Something worth reading about in ${v}.\n\n## 0.0.1 - 2026-01-01\n\n- First.\n`;
  const releases = Array.from({ length: BURST }, (_, i) => ({ registry: 'npm' as const, name: `burst-${i}`, version: '1.0.0' }));
  for (const r of releases) await stack.npm.publish({ name: r.name, version: r.version, files: { 'CHANGELOG.md': changelog(r.version) } });
  worker = await startCrawlWorker();
  const handles = await Promise.all(releases.map((release) => stack.startCrawl(release)));
  await waitFor('the burst to be under way', async () => ((await resultCounts(stack.pool)).size >= 20 ? true : undefined));
  worker.kill('SIGKILL');
  await new Promise((resolve) => worker!.once('exit', resolve));
  const doneBeforeKill = (await resultCounts(stack.pool)).size;
  expect(doneBeforeKill).toBeLessThan(BURST);
  worker = await startCrawlWorker();

  const outcomes = await Promise.all(handles.map((h) => h.result()));
  expect(outcomes.filter((o) => o !== 'found')).toEqual([]);
  const counts = await resultCounts(stack.pool);
  expect(counts.size).toBe(BURST);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
}, 400_000);
