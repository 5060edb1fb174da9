// Replaying failed crawls, and the token that guards every mutation.
import { startStack, type TestStack } from './support/stack';
import { subscribe } from './support/subscriptions';

const TOKEN = 'test-token-for-replay';
const AUTH = { authorization: `Bearer ${TOKEN}` };

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ env: { API_TOKEN: TOKEN } });
});
afterAll(async () => {
  await stack?.stop();
});

const CHANGELOG = '# Changelog\n\n## [1.0.0] - 2024-03-02\n### Added\n- A `--fast` flag.\n\n## [0.9.0] - 2024-01-31\n### Fixed\n- Everything.\n';

interface CrawlNode {
  name: string;
  version: string;
  outcome: string | null;
  workflowId: string;
  runId: string;
  error: string | null;
  duration: number;
}

async function crawlsOf(name: string): Promise<CrawlNode[]> {
  const response = await stack.graphql<{ package: { crawls: { edges: { node: CrawlNode }[] } } }>(
    `query ($name: String!) { package(registry: NPM, name: $name) { crawls { edges { node { name version outcome workflowId runId error duration } } } } }`,
    { name },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.package.crawls.edges.map((e) => e.node);
}

async function failedCrawls(): Promise<string[]> {
  const response = await stack.graphql<{ crawls: { edges: { node: CrawlNode }[] } }>(`{ crawls(outcome: FAILED, registry: NPM) { edges { node { name } } } }`);
  return response.data!.crawls.edges.map((e) => e.node.name);
}

async function crawlAndFail(name: string): Promise<string> {
  await stack.npm.publish({ name, version: '1.0.0', files: { 'CHANGELOG.md': CHANGELOG } });
  stack.npm.failTarball(name, '1.0.0', 503);
  const response = await stack.graphql<{ crawl: { workflowId: string } }>(
    `mutation ($name: String!) { crawl(registry: NPM, name: $name, version: "1.0.0") { workflowId } }`,
    { name },
    AUTH,
  );
  const { workflowId } = response.data!.crawl;
  await expect(stack.temporal.workflow.getHandle(workflowId).result()).rejects.toThrow();
  return workflowId;
}

async function runsOf(workflowId: string): Promise<string[]> {
  const statuses: string[] = [];
  for await (const run of stack.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) statuses.push(run.status.name);
  return statuses.sort();
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('failed crawls show as FAILED; once upstream is fixed, replayFailedCrawls turns them into FOUND under the same workflow', async () => {
  const [first, second] = await Promise.all([crawlAndFail('flaky-one'), crawlAndFail('flaky-two')]);
  expect(await failedCrawls()).toEqual(expect.arrayContaining(['flaky-one', 'flaky-two']));
  const [failed] = await crawlsOf('flaky-one');
  expect(failed).toMatchObject({ outcome: 'FAILED', version: '1.0.0', workflowId: first, error: expect.stringMatching(/503/) });
  expect(failed!.duration).toBeGreaterThan(0);

  stack.npm.failTarball('flaky-one', '1.0.0', null);
  stack.npm.failTarball('flaky-two', '1.0.0', null);
  const replayed = await stack.graphql<{ replayFailedCrawls: number }>(`mutation { replayFailedCrawls(registry: NPM, since: "1h") }`, {}, AUTH);
  expect(replayed.errors).toBeUndefined();
  expect(replayed.data!.replayFailedCrawls).toBe(2);
  await expect(stack.temporal.workflow.getHandle(first).result()).resolves.toBe('found');
  await expect(stack.temporal.workflow.getHandle(second!).result()).resolves.toBe('found');

  const history = await crawlsOf('flaky-one');
  expect(history.map((c) => c.outcome)).toEqual(['FOUND', 'FAILED']);
  expect(history[0]!.workflowId).toBe(first);
  expect(history[0]!.runId).not.toBe(history[1]!.runId);
  // Both runs sit under one workflow id in Temporal.
  expect(await eventually(() => runsOf(first), (runs) => runs.length === 2)).toEqual(['COMPLETED', 'FAILED']);

  // The failed runs stay in the history, but nothing is left to replay.
  expect(await failedCrawls()).toEqual(expect.arrayContaining(['flaky-one', 'flaky-two']));
  const again = await stack.graphql<{ replayFailedCrawls: number }>(`mutation { replayFailedCrawls }`, {}, AUTH);
  expect(again.data!.replayFailedCrawls).toBe(0);
});

test('replayCrawl starts a new run of one failed crawl, and refuses one that did not fail', async () => {
  const workflowId = await crawlAndFail('flaky-three');
  stack.npm.failTarball('flaky-three', '1.0.0', null);
  const REPLAY = `mutation ($id: String!) { replayCrawl(workflowId: $id) { workflowId runId started version outcome } }`;
  const response = await stack.graphql<{ replayCrawl: { workflowId: string; runId: string; started: boolean; outcome: string | null } }>(REPLAY, { id: workflowId }, AUTH);
  expect(response.errors).toBeUndefined();
  expect(response.data!.replayCrawl).toMatchObject({ workflowId, started: true, outcome: null, version: '1.0.0' });
  await expect(stack.temporal.workflow.getHandle(workflowId, response.data!.replayCrawl.runId).result()).resolves.toBe('found');

  const conflict = await stack.graphql(REPLAY, { id: workflowId }, AUTH);
  expect(conflict.errors?.[0]?.extensions?.code).toBe('CONFLICT');
  const unknown = await stack.graphql(REPLAY, { id: 'crawl:npm:never@1.0.0' }, AUTH);
  expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
});

test('mutations without the token are refused with UNAUTHENTICATED and start nothing', async () => {
  await stack.npm.publish({ name: 'guarded', version: '1.0.0' });
  for (const headers of [{}, { authorization: 'Bearer wrong-token' }] as Record<string, string>[]) {
    const crawl = await stack.graphql(`mutation { crawl(registry: NPM, name: "guarded", version: "1.0.0") { workflowId } }`, {}, headers);
    expect(crawl.data).toBeNull();
    expect(crawl.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const replay = await stack.graphql(`mutation { replayFailedCrawls }`, {}, headers);
    expect(replay.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  }
  await expect(stack.temporal.workflow.getHandle('crawl:npm:guarded@1.0.0').describe()).rejects.toThrow(/not found/i);
  // Queries stay open.
  expect((await stack.graphql(`{ crawls(first: 1) { edges { cursor } } }`)).errors).toBeUndefined();
});

test('graphql-ws goes through the same guards: the token for mutations, the limits for subscriptions', async () => {
  const MUTATION = `mutation { replayFailedCrawls(registry: RUBYGEMS) }`;
  const anonymous = subscribe<number>(stack.api.url, MUTATION);
  await expect(anonymous.waitFor(1, 10_000)).rejects.toThrow(/UNAUTHENTICATED/);
  await anonymous.close();

  const authorized = subscribe<number>(stack.api.url, MUTATION, {}, { authorization: `Bearer ${TOKEN}` });
  expect(await authorized.waitFor(1, 10_000)).toEqual([0]);
  await authorized.close();

  const aliased = subscribe(stack.api.url, `subscription { crawls { ${Array.from({ length: 16 }, (_, i) => `n${i}: name`).join(' ')} } }`);
  await expect(aliased.waitFor(1, 10_000)).rejects.toThrow(/ALIAS_LIMIT_EXCEEDED/);
  await aliased.close();

  const long = subscribe(stack.api.url, `subscription { crawls { ${'cursor '.repeat(1_000)}} }`);
  await expect(long.waitFor(1, 10_000)).rejects.toThrow(/TOKEN_LIMIT_EXCEEDED/);
  await long.close();
});
