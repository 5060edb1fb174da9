// Slow upstreams are not failures: a registry that answers after 20 s still gets its release crawled, and a
// replication feed whose packuments are slow still advances, page by page, losing nothing.
import { resultCounts } from './support/results';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';

const CHANGELOG = '# Changelog\n\nAll notable changes are listed here.\n\n## 1.0.0 - 2026-11-01\n\n- The first release worth reading about, with a list of what it does.\n';

describe('a registry that answers after 20 s', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('still has its release crawled: found, at the first attempt', async () => {
    await stack.npm.publish({ name: 'slow-poke', version: '1.0.0', files: { 'CHANGELOG.md': CHANGELOG } });
    // Both the packument and the tarball take 20 s: longer than any heartbeat timeout a step may have.
    stack.npm.delay(/^\/slow-poke(\/-\/.*)?$/, 20_000);
    const started = Date.now();
    const handle = await stack.startCrawl({ registry: 'npm', name: 'slow-poke', version: '1.0.0' });
    await expect(handle.result()).resolves.toBe('found');
    expect(Date.now() - started).toBeGreaterThanOrEqual(40_000);
    // One request each: no attempt was given up on and retried.
    expect(stack.npm.hits('/slow-poke')).toBe(1);
    expect(stack.npm.hits('/slow-poke/-/slow-poke-1.0.0.tgz')).toBe(1);
  }, 180_000);
});

describe('a replication feed whose packuments are slow', () => {
  let stack: TestStack;
  beforeAll(async () => {
    // Pages of 60 changes, 5 s for the packument reads of one page: at 8 reads at a time and 2 s a read, a
    // whole page would take 15 s, three times its budget.
    stack = await startStack({ discovery: true, env: { FOLLOW_PAGE_SIZE: '60', FOLLOW_PAGE_SECONDS: '5', FOLLOW_IDLE_SECONDS: '1' } });
    await waitFor('the follower to take its starting position', async () => {
      const { rows } = await stack.pool.query("SELECT 1 FROM discovery_cursors WHERE source = 'npm-follow'");
      return rows.length === 1 ? true : undefined;
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('advances page by page within its budget and crawls every release once', async () => {
    const names = Array.from({ length: 60 }, (_, i) => `slow-feed-${i}`);
    for (const name of names) await stack.npm.publish({ name, version: '1.0.0', files: { 'CHANGELOG.md': CHANGELOG } });
    stack.npm.delay(/^\/slow-feed-\d+$/, 2_000);
    const counts = await waitFor(
      'every release crawled',
      async () => {
        const counts = await resultCounts(stack.pool);
        const missing = names.filter((name) => !counts.has(`npm:${name}@1.0.0`));
        if (missing.length > 0) throw new Error(`${missing.length} not crawled yet`);
        return counts;
      },
      240_000,
      1000,
    );
    expect(names.filter((name) => counts.get(`npm:${name}@1.0.0`) !== 1)).toEqual([]);

    // A page was cut short (so no page read ran past its budget), and every page read succeeded at its first
    // attempt (a retried activity's started event carries its attempt number).
    const events = [];
    for await (const run of stack.temporal.workflow.list({ query: 'WorkflowId = "npm-follow"' })) {
      events.push(...((await stack.temporal.workflow.getHandle('npm-follow', run.runId).fetchHistory()).events ?? []));
    }
    const pages = events
      .filter((e) => e.activityTaskCompletedEventAttributes)
      .map((e) => JSON.parse(Buffer.from(e.activityTaskCompletedEventAttributes!.result!.payloads![0]!.data!).toString()) as { found: number; cutShort: boolean });
    expect(pages.filter((page) => page.found > 0).length).toBeGreaterThan(1);
    expect(pages.some((page) => page.cutShort)).toBe(true);
    const attempts = events.filter((e) => e.activityTaskStartedEventAttributes).map((e) => e.activityTaskStartedEventAttributes!.attempt);
    expect(attempts.filter((attempt) => attempt !== 1)).toEqual([]);
  }, 300_000);
});
