// Discovery end to end: the npm follower and the RubyGems and PyPI polls notice every release published
// on the simulated upstreams and crawl each exactly once.
import { ensureDiscovery } from '../workers/ensureDiscovery';
import { runScenario } from '../demo/scenario';
import { recordHistory } from './support/histories';
import { resultCounts, streamOf } from './support/results';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';

// PyPI through its serial journal: the RSS feed holds only the newest 100 updates, and this test publishes
// faster than a loaded machine may poll.
const FAST_DISCOVERY = { POLL_INTERVAL_SECONDS: '1', FOLLOW_IDLE_SECONDS: '1', FOLLOW_PAGE_SIZE: '40', GITHUB_TOKEN: 'test-token', PYPI_SERIAL_JOURNAL: '1' };

async function expectEachCrawledOnce(stack: TestStack, releases: { registry: string; name: string; version: string }[], timeoutMs = 360_000) {
  const wanted = releases.map(streamOf);
  const counts = await waitFor(
    `${wanted.length} releases crawled`,
    async () => {
      const counts = await resultCounts(stack.pool);
      const missing = wanted.filter((s) => !counts.has(s));
      if (missing.length > 0) throw new Error(`${missing.length} not crawled yet, e.g. ${missing.slice(0, 5).join(', ')}`);
      return counts;
    },
    timeoutMs,
    1000,
  );
  // Let stragglers (a duplicate, if discovery ever made one) land before counting.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const final = await resultCounts(stack.pool);
  expect(wanted.filter((s) => final.get(s) !== 1)).toEqual([]);
  expect([...final.keys()].filter((s) => !wanted.includes(s))).toEqual([]);
  return counts;
}

describe('with the follower and the schedules running', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ discovery: true, env: FAST_DISCOVERY });
    // The follower starts at the feed's update_seq, the journal at its last serial and the RubyGems poll at
    // the beginning of its empty feed: wait until all three know where "now" is, so that every release the
    // tests publish comes after it.
    await waitFor('discovery to take its starting positions', async () => {
      const { rows } = await stack.pool.query("SELECT source FROM discovery_cursors WHERE source IN ('npm-follow', 'poll-pypi', 'poll-rubygems')");
      return rows.length === 3 ? true : undefined;
    });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('500 releases across the three registries are each crawled exactly once, across a continue-as-new', async () => {
    const scenario = runScenario(stack.upstreams, { releases: 500, perSecond: 25, seed: 7 });
    await scenario.done;
    const registries = new Set(scenario.published.map((r) => r.registry));
    expect([...registries].sort()).toEqual(['npm', 'pypi', 'rubygems']);
    await expectEachCrawledOnce(stack, scenario.published);

    const followerRuns = [];
    for await (const run of stack.temporal.workflow.list({ query: `WorkflowId = "npm-follow"` })) followerRuns.push(run);
    expect(followerRuns.length).toBeGreaterThanOrEqual(2);
    const continued = followerRuns.filter((r) => r.status.name === 'CONTINUED_AS_NEW');
    expect(continued.length).toBeGreaterThanOrEqual(1);
    recordHistory(stack.config, 'npm-follow-continued', 'npm-follow', continued.at(-1)!.runId);
  }, 500_000);

  test('a replication sequence reset is survived', async () => {
    const before = runScenario(stack.upstreams, { releases: 5, perSecond: 10, seed: 11, registries: ['npm'] });
    await before.done;
    await expectEachCrawledOnce(stack, [...before.published, ...(await alreadyCrawled(stack))]);
    const cursorBefore = await npmCursor(stack);
    stack.npm.resetSequence(0);
    // The follower notices that its cursor is ahead of update_seq and restarts there.
    await waitFor('the follower to restart at the reset sequence', async () => ((await npmCursor(stack)) < cursorBefore ? true : undefined));
    const after = runScenario(stack.upstreams, { releases: 5, perSecond: 10, seed: 12, registries: ['npm'] });
    await after.done;
    await expectEachCrawledOnce(stack, [...before.published, ...after.published, ...(await alreadyCrawled(stack))]);
  }, 400_000);

  test('schedules and the follower stay one of each however often the stack starts', async () => {
    for (let i = 0; i < 3; i++) await ensureDiscovery(stack.temporal, stack.config, stack.pool, () => undefined);
    const schedules = [];
    for await (const schedule of stack.temporal.schedule.list()) schedules.push(schedule.scheduleId);
    expect(schedules.sort()).toEqual(['poll-pypi', 'poll-rubygems']);
    const running = [];
    for await (const run of stack.temporal.workflow.list({ query: `WorkflowType = "npmFollow" AND ExecutionStatus = "Running"` })) running.push(run);
    expect(running).toHaveLength(1);
  });
});

async function npmCursor(stack: TestStack): Promise<number> {
  const { rows } = await stack.pool.query<{ last_seq: string }>("SELECT cursor->>'lastSeq' AS last_seq FROM discovery_cursors WHERE source = 'npm-follow'");
  return Number(rows[0]?.last_seq ?? -1);
}

async function alreadyCrawled(stack: TestStack) {
  const counts = await resultCounts(stack.pool);
  return [...counts.keys()].map((stream) => {
    const [registry, rest] = [stream.slice(0, stream.indexOf(':')), stream.slice(stream.indexOf(':') + 1)];
    const at = rest.lastIndexOf('@');
    return { registry, name: rest.slice(0, at), version: rest.slice(at + 1) };
  });
}

describe('RubyGems polling', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ env: { GITHUB_TOKEN: 'test-token' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('a burst of more than 50 versions between two polls is gap-filled from timeframe_versions', async () => {
    const poll = () =>
      stack.temporal.workflow.execute('pollRegistry', {
        workflowId: `poll-rubygems-${Date.now()}`,
        taskQueue: stack.config.temporal.taskQueue,
        args: [{ registry: 'rubygems' }],
      }) as Promise<{ found: number; started: number; gapFilled: number }>;
    const first = runScenario(stack.upstreams, { releases: 10, perSecond: Infinity, seed: 3, registries: ['rubygems'] });
    await first.done;
    expect(await poll()).toMatchObject({ found: 10, started: 10, gapFilled: 0 });

    const burst = runScenario(stack.upstreams, { releases: 120, perSecond: Infinity, seed: 4, registries: ['rubygems'] });
    await burst.done;
    const second = await poll();
    expect(second.found).toBe(120);
    expect(second.gapFilled).toBe(70);
    await expectEachCrawledOnce(stack, [...first.published, ...burst.published]);

    expect(await poll()).toMatchObject({ found: 0, started: 0 });
    const polls = [];
    for await (const run of stack.temporal.workflow.list({ query: 'WorkflowType = "pollRegistry"' })) polls.push(run);
    recordHistory(stack.config, 'poll-rubygems', polls[0]!.workflowId, polls[0]!.runId);
  }, 200_000);
});
