// The forge's request budget is one limit shared by every crawl: crawls that need the forge queue for it
// instead of each spending attempts on finding it gone, and crawls whose changelog is in the package archive
// never wait for it.
import { recordHistory } from './support/histories';
import { startStack, type TestStack } from './support/stack';

const TOKEN = 'budget-token';
// The simulated forge allows 15 requests in any 10 s; the crawler is told 4,320 an hour (12 in 10 s).
const FORGE = { authenticatedLimit: 15, windowMs: 10_000, tokens: [TOKEN] };
const CHANGELOG = (name: string) => `# Changelog\n\nAll notable changes are listed here.\n\n## 1.0.0 - 2026-11-01\n\n- The first release of ${name} worth reading about.\n`;

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ upstreams: { github: FORGE }, env: { GITHUB_TOKEN: TOKEN, GITHUB_REQUESTS_PER_HOUR: '4320' } });
});
afterAll(async () => {
  await stack?.stop();
});

/** Attempts of the forge steps of a crawl (a retried activity's started event carries its attempt number). */
async function forgeAttempts(workflowId: string): Promise<number[]> {
  const history = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt ?? 0);
}

test('twelve crawls needing 24 forge requests stay within the budget; archive crawls do not wait for it', async () => {
  const inRepository = Array.from({ length: 12 }, (_, i) => `in-repo-${i}`);
  for (const name of inRepository) {
    stack.upstreams.github.createRepo(`owner/${name}`, { files: { 'CHANGELOG.md': CHANGELOG(name) } });
    await stack.npm.publish({ name, version: '1.0.0', files: { 'README.md': `# ${name}\n` }, repository: `github:owner/${name}` });
  }
  const inArchive = Array.from({ length: 5 }, (_, i) => `in-archive-${i}`);
  for (const name of inArchive) await stack.npm.publish({ name, version: '1.0.0', files: { 'CHANGELOG.md': CHANGELOG(name) } });

  const started = Date.now();
  const forgeCrawls = await Promise.all(inRepository.map((name) => stack.startCrawl({ registry: 'npm', name, version: '1.0.0' })));
  const archiveCrawls = await Promise.all(inArchive.map((name) => stack.startCrawl({ registry: 'npm', name, version: '1.0.0' })));
  const archiveDone = await Promise.all(archiveCrawls.map(async (h) => [await h.result(), Date.now() - started] as const));
  const forgeDone = await Promise.all(forgeCrawls.map(async (h) => [await h.result(), Date.now() - started] as const));

  expect(forgeDone.map(([outcome]) => outcome)).toEqual(inRepository.map(() => 'found'));
  expect(archiveDone.map(([outcome]) => outcome)).toEqual(inArchive.map(() => 'found'));
  // 24 requests at 1.2 a second take about 20 s; the archive crawls were done long before the last forge one.
  const lastForge = Math.max(...forgeDone.map(([, ms]) => ms));
  expect(lastForge).toBeGreaterThan(12_000);
  expect(Math.max(...archiveDone.map(([, ms]) => ms))).toBeLessThan(lastForge / 2);
  // No forge step met the limit: each ran once, at its first attempt.
  for (const handle of forgeCrawls) expect(await forgeAttempts(handle.workflowId)).toEqual([1, 1]);
  expect(stack.upstreams.github.rateLimit(TOKEN).remaining).toBeGreaterThanOrEqual(0);
  recordHistory(stack.config, 'crawl-found-in-repository', forgeCrawls[0]!.workflowId);
}, 180_000);
