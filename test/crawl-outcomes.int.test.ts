// The outcomes a crawl can end with besides found and not_found: a release the registry does not have, and a
// crawl someone cancels. Each shows in the crawl history and in the Temporal UI's Outcome search attribute.
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { crawlWorkflowId } from '../workflows/types';
import { recordHistory } from './support/histories';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';

const CHANGELOG = '# Changelog\n\nAll notable changes are listed here.\n\n## 1.0.0 - 2026-11-01\n\n- The first release worth reading about, with a list of what it does.\n';

let stack: TestStack;
let auth: Record<string, string>;
beforeAll(async () => {
  stack = await startStack();
  auth = { authorization: `Bearer ${stack.config.api.token}` };
});
afterAll(async () => {
  await stack?.stop();
});

const CRAWLS = `query ($outcome: CrawlOutcome) {
  crawls(outcome: $outcome, registry: NPM) { edges { node { workflowId name version outcome error } } }
}`;

async function crawlsWith(outcome: string) {
  const response = await stack.graphql<{ crawls: { edges: { node: { workflowId: string; outcome: string } }[] } }>(CRAWLS, { outcome });
  expect(response.errors).toBeUndefined();
  return response.data!.crawls.edges.map((e) => e.node);
}

describe('a release that is not published', () => {
  test('the crawl mutation refuses it at once, and starts nothing', async () => {
    await stack.npm.publish({ name: 'real-thing', version: '1.0.0', files: { 'CHANGELOG.md': CHANGELOG } });
    const response = await stack.graphql(`mutation { crawl(registry: NPM, name: "real-thing", version: "99.0.0") { workflowId } }`, {}, auth);
    expect(response.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(response.errors?.[0]?.message).toMatch(/real-thing@99\.0\.0 is not published on npm/);
    await expect(stack.temporal.workflow.getHandle(crawlWorkflowId({ registry: 'npm', name: 'real-thing', version: '99.0.0' })).describe()).rejects.toThrow(/not found/i);
  });

  test('a crawl of it completes not_published: final, so a replay of failed crawls leaves it alone', async () => {
    const release = { registry: 'npm' as const, name: 'real-thing', version: '98.0.0' };
    const handle = await stack.startCrawl(release);
    await expect(handle.result()).resolves.toBe('not_published');
    const description = await handle.describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.searchAttributes.Outcome).toEqual(['not_published']);
    expect((await crawlsWith('NOT_PUBLISHED')).map((c) => c.workflowId)).toEqual([handle.workflowId]);
    const replay = await stack.graphql<{ replayFailedCrawls: number }>('mutation { replayFailedCrawls }', {}, auth);
    expect(replay.data?.replayFailedCrawls).toBe(0);
    recordHistory(stack.config, 'crawl-not-published', handle.workflowId);
  });
});

describe('a crawl cancelled during a slow download', () => {
  test('ends Cancelled, is recorded as cancelled, and can be replayed', async () => {
    await stack.npm.publish({ name: 'cancel-me', version: '1.0.0', files: { 'CHANGELOG.md': CHANGELOG } });
    stack.npm.delay('/cancel-me/-/cancel-me-1.0.0.tgz', 60_000, { times: 1 });
    const handle = await stack.startCrawl({ registry: 'npm', name: 'cancel-me', version: '1.0.0' });
    await waitFor('the download to begin', async () => (stack.npm.hits('/cancel-me/-/cancel-me-1.0.0.tgz') > 0 ? true : undefined));
    await handle.cancel();

    const failure = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const description = await handle.describe();
    expect(description.status.name).toBe('CANCELLED');
    expect(description.searchAttributes.Outcome).toEqual(['cancelled']);
    const cancelled = await waitFor('the cancelled crawl in the crawl history', async () => {
      const crawls = await crawlsWith('CANCELLED');
      return crawls.length > 0 ? crawls : undefined;
    });
    expect(cancelled.map((c) => c.workflowId)).toEqual([handle.workflowId]);
    recordHistory(stack.config, 'crawl-cancelled', handle.workflowId, description.runId);

    const replay = await stack.graphql<{ replayCrawl: { started: boolean } }>(`mutation ($id: String!) { replayCrawl(workflowId: $id) { started } }`, { id: handle.workflowId }, auth);
    expect(replay.errors).toBeUndefined();
    await expect(stack.temporal.workflow.getHandle(handle.workflowId).result()).resolves.toBe('found');
  }, 120_000);
});
