// One npm release crawled end to end: real Temporal dev server, real Postgres, a local npm registry.
import { WorkflowFailedError } from '@temporalio/client';
import { crawlWorkflowId } from '../workflows/types';
import { recordHistory } from './support/histories';
import { startStack, type TestStack } from './support/stack';

const HISTORY = `# Changelog

## [1.1.0] - 2024-03-02
### Added
- A \`--fast\` flag.

## [1.0.0] - 2024-01-31
### Fixed
- Everything.
`;

const PACKAGE_QUERY = `query ($name: String!) {
  package(registry: NPM, name: $name) {
    name latestVersion
    changelog { fileName version entries { version date title html } }
  }
}`;

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

async function crawl(name: string, version: string) {
  const response = await stack.graphql<{ crawl: { workflowId: string; started: boolean } }>(
    `mutation ($name: String!, $version: String) { crawl(registry: NPM, name: $name, version: $version) { workflowId started } }`,
    { name, version },
  );
  expect(response.errors).toBeUndefined();
  return response.data!.crawl;
}

async function eventsOf(streamId: string) {
  const { rows } = await stack.pool.query<{ type: string; data: { outcome?: string; error?: string } }>(
    'SELECT type, data FROM events WHERE stream_id = $1 ORDER BY stream_position',
    [streamId],
  );
  return rows;
}

test('a release with a changelog ends up as entries served by the package query', async () => {
  await stack.npm.publish({ name: 'left-pad-plus', version: '1.0.0', files: { 'CHANGELOG.md': HISTORY.replace(/## \[1\.1\.0][\s\S]*?(?=## \[1\.0\.0])/, '') } });
  await stack.npm.publish({ name: 'left-pad-plus', version: '1.1.0', files: { 'CHANGELOG.md': HISTORY } });

  const { workflowId, started } = await crawl('left-pad-plus', '1.1.0');
  expect(workflowId).toBe('crawl:npm:left-pad-plus@1.1.0');
  expect(started).toBe(true);
  await expect(stack.temporal.workflow.getHandle(workflowId).result()).resolves.toBe('found');

  const events = await eventsOf('npm:left-pad-plus@1.1.0');
  expect(events.map((e) => [e.type, e.data.outcome])).toEqual([['ReleaseCrawled', 'found']]);

  const { data } = await stack.graphql<{ package: { latestVersion: string; changelog: { fileName: string; version: string; entries: { version: string; date: string | null; html: string }[] } } }>(
    PACKAGE_QUERY,
    { name: 'left-pad-plus' },
  );
  expect(data!.package.latestVersion).toBe('1.1.0');
  expect(data!.package.changelog.fileName).toBe('CHANGELOG.md');
  expect(data!.package.changelog.entries.map((e) => [e.version, e.date])).toEqual([
    ['1.1.0', '2024-03-02'],
    ['1.0.0', '2024-01-31'],
  ]);
  expect(data!.package.changelog.entries[0]!.html).toContain('<code>--fast</code>');
  recordHistory(stack.config, 'crawl-found', workflowId);
});

test('a release without a changelog completes with the not_found outcome', async () => {
  await stack.npm.publish({ name: 'no-notes', version: '2.0.0', files: { 'README.md': '# no-notes\n\nNothing to see.\n' } });
  const { workflowId } = await crawl('no-notes', '2.0.0');
  const handle = stack.temporal.workflow.getHandle(workflowId);
  await expect(handle.result()).resolves.toBe('not_found');
  const description = await handle.describe();
  expect(description.status.name).toBe('COMPLETED');
  expect(description.searchAttributes.Outcome).toEqual(['not_found']);
  expect((await eventsOf('npm:no-notes@2.0.0')).map((e) => e.data.outcome)).toEqual(['not_found']);
});

test('an unreachable tarball fails the crawl after bounded retries and records the failure', async () => {
  await stack.npm.publish({ name: 'broken-dist', version: '0.1.0', files: { 'CHANGELOG.md': HISTORY } });
  stack.npm.failTarball('broken-dist', '0.1.0', 503);
  const { workflowId } = await crawl('broken-dist', '0.1.0');
  const handle = stack.temporal.workflow.getHandle(workflowId);
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  const description = await handle.describe();
  expect(description.status.name).toBe('FAILED');
  expect(description.searchAttributes.Outcome).toEqual(['failed']);
  // Bounded: the tarball was tried a few times, not forever.
  expect(stack.npm.hits('/broken-dist/-/broken-dist-0.1.0.tgz')).toBe(4);
  const events = await eventsOf('npm:broken-dist@0.1.0');
  expect(events).toHaveLength(1);
  expect(events[0]!.type).toBe('CrawlFailed');
  expect(events[0]!.data.error).toMatch(/503/);
  recordHistory(stack.config, 'crawl-failed', workflowId);
});

test('crawling the same release twice appends its result once', async () => {
  await stack.npm.publish({ name: 'twice', version: '3.0.0', files: { 'CHANGELOG.md': HISTORY } });
  const first = await crawl('twice', '3.0.0');
  await stack.temporal.workflow.getHandle(first.workflowId).result();
  const second = await crawl('twice', '3.0.0');
  expect(second).toEqual({ workflowId: first.workflowId, started: false });

  // Even a second run under the same id (as after the server forgot the first) appends nothing new.
  const release = { registry: 'npm' as const, name: 'twice', version: '3.0.0' };
  const again = await stack.startCrawl(release, `${crawlWorkflowId(release)}:rerun`);
  await again.result();
  expect((await eventsOf('npm:twice@3.0.0')).map((e) => e.type)).toEqual(['ReleaseCrawled']);
});
