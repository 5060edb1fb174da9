// A real `changelogs worker crawl` process serves Prometheus metrics on METRICS_PORT: the Temporal SDK's own, and
// the crawl counters beside them, with the values the crawls it ran and the requests the forge received call for.
import type { ChildProcess } from 'node:child_process';
import { freePort } from '../infra/temporal/devServer';
import { crawlTaskQueue } from '../workflows/types';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';
import { startWorkerProcess } from './support/workerProcess';

const TOKEN = 'metrics-token';
const CHANGELOG = (name: string) => `# Changelog\n\nAll notable changes are listed here.\n\n## 1.0.0 - 2026-11-01\n\n- The first release of ${name} worth reading about.\n`;

let stack: TestStack;
let worker: ChildProcess | undefined;
let metricsUrl: string;

beforeAll(async () => {
  stack = await startStack({ crawlWorker: false, env: { GITHUB_TOKEN: TOKEN } });
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  worker = (await startWorkerProcess('crawl', { ...stack.env, METRICS_PORT: String(port) })).child;
});
afterAll(async () => {
  worker?.kill('SIGKILL');
  await stack?.stop();
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

async function scrape(): Promise<Sample[]> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  return parseExposition(await response.text());
}

/** The sum of a metric's samples whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

test('the crawl worker exports the SDK metrics and counts crawls by outcome and forge requests', async () => {
  // Two changelogs in the package archive, one in the repository on the forge (a listing and a download), one
  // release with none anywhere (a listing), and one forge answer that the rate limit was reached.
  for (const name of ['archive-a', 'archive-b']) await stack.npm.publish({ name, version: '1.0.0', files: { 'CHANGELOG.md': CHANGELOG(name) } });
  stack.upstreams.github.createRepo('owner/in-repo', { files: { 'CHANGELOG.md': CHANGELOG('in-repo') } });
  await stack.npm.publish({ name: 'in-repo', version: '1.0.0', files: { 'README.md': '# in-repo\n' }, repository: 'github:owner/in-repo' });
  stack.upstreams.github.createRepo('owner/bare', { files: { 'README.md': '# bare\n' } });
  await stack.npm.publish({ name: 'bare', version: '1.0.0', files: { 'README.md': '# bare\n' }, repository: 'github:owner/bare' });
  stack.upstreams.github.api.failNext(/\/repos\/owner\/in-repo\/contents/, 429, { retryAfter: 1 });

  const outcomes = await Promise.all(
    ['archive-a', 'archive-b', 'in-repo', 'bare'].map(async (name) => (await stack.startCrawl({ registry: 'npm', name, version: '1.0.0' })).result()),
  );
  expect(outcomes).toEqual(['found', 'found', 'found', 'not_found']);

  const { api, raw } = stack.upstreams.github;
  const forgeRequests = api.requests().length + raw.requests().length;
  // bare: contents and releases; in-repo: contents (429), contents again, the file.
  expect(forgeRequests).toBe(5);
  const crawlQueue = crawlTaskQueue(stack.config.temporal.taskQueue);
  const freeSlots = (samples: Sample[]) =>
    samples.filter((s) => s.name === 'temporal_worker_task_slots_available' && s.labels.task_queue === crawlQueue && s.labels.worker_type === 'WorkflowWorker').map((s) => s.value);
  // The counters reach the endpoint a moment after the crawls end, the last freed slot too: wait for all of them.
  const samples = await waitFor('the last crawl to be counted', async () => {
    const now = await scrape();
    const settled =
      total(now, 'changelogs_crawls') === 4 &&
      total(now, 'temporal_workflow_completed', { workflow_type: 'crawlRelease', task_queue: crawlQueue }) === 4 &&
      freeSlots(now).join() === String(stack.config.crawl.concurrency);
    return settled ? now : undefined;
  }, 30_000);

  // Counted by the crawl workflow, whose meter labels the samples in its own (camelCase) way.
  expect(total(samples, 'changelogs_crawls', { outcome: 'found', taskQueue: crawlQueue, workflowType: 'crawlRelease' })).toBe(3);
  expect(total(samples, 'changelogs_crawls', { outcome: 'not_found' })).toBe(1);
  expect(total(samples, 'changelogs_forge_requests')).toBe(forgeRequests);
  expect(total(samples, 'changelogs_forge_requests', { step: 'listing' })).toBe(3);
  expect(total(samples, 'changelogs_forge_rate_limited', { step: 'listing' })).toBe(1);
  expect(total(samples, 'changelogs_sandbox_kills')).toBe(0);

  // The SDK's own: the crawl worker's workflow task slots (all free again), and the crawls as completed workflows.
  expect(freeSlots(samples)).toEqual([stack.config.crawl.concurrency]);
  expect(total(samples, 'temporal_workflow_completed', { workflow_type: 'crawlRelease', task_queue: crawlQueue })).toBe(4);
  expect(total(samples, 'temporal_activity_execution_failed', { activity_type: 'forgeListing' })).toBe(1);
  console.log(`metrics exported by the crawl worker: ${[...new Set(samples.map((s) => s.name))].sort().join(' ')}`);
}, 240_000);
