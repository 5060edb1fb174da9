// The crawl workflow's decisions alone: which steps it runs in which order, on which task queue, what it records
// and how it ends, with each step a plain function that answers as a test says.
import { ApplicationFailure, CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { ForgeActivities, PackageActivities } from '../activities/crawl';
import type { RecordingActivities } from '../activities/recording';
import { type ActivityCall, deferred, ScriptedActivities, settled, startWorkflowTestEnv, uniqueTaskQueue, untilCancelled, type WorkflowTestEnv } from '../test/support/workflowTestEnv';
import { crawlRelease } from './crawlRelease';
import { OUTCOME } from './searchAttributes';
import { type ChangelogRef, crawlTaskQueue, FAILURE_TYPES, type ForgeFile, type ForgeLeads, forgeTaskQueue, type PackageLook, type ReleaseFacts, type ReleaseRef } from './types';

const { EventType } = temporal.api.enums.v1;

type Steps = PackageActivities & ForgeActivities & RecordingActivities;
type Script = Pick<PackageActivities, 'crawlPackage'> & Partial<Steps>;

const release: ReleaseRef = { registry: 'npm', name: 'left-pad', version: '1.3.0' };
const facts: ReleaseFacts = { publishedAt: '2024-01-02T00:00:00.000Z', latestVersion: '1.3.0', summary: 'Pads strings on the left' };
const knownVersions = ['1.2.0', '1.3.0'];
const repository = { owner: 'pads', repo: 'left-pad', directory: null };

function changelog(foundIn: string, entryCount: number): ChangelogRef {
  return { fileName: 'CHANGELOG.md', foundIn, sourceUrl: null, format: 'markdown', rawSha256: `raw-${foundIn}`, parsedSha256: `parsed-${foundIn}`, entryCount };
}

/** The package step's answer; with no leads it is final, and the step has recorded it itself. */
function look(changelog: ChangelogRef | null, leads: Partial<ForgeLeads> | null = null): PackageLook {
  const recorded = leads ? null : changelog ? 'found' : 'not_found';
  return { facts, changelog, leads: leads && { link: null, repository: null, knownVersions, ...leads }, recorded };
}

function rootFile(path: string): ForgeFile {
  return { url: `https://forge.test/raw/pads/left-pad/HEAD/${path}`, fileName: path.split('/').pop()!, foundIn: `repository:pads/left-pad/${path}`, sourceUrl: null };
}

/** Steps a test leaves out find nothing and record nothing. */
const nothing: Omit<Steps, 'crawlPackage'> = {
  forgeFile: async () => null,
  forgeListing: async () => null,
  forgeReleases: async () => null,
  recordCrawlResult: async () => undefined,
  recordCrawlFailure: async () => undefined,
  recordCrawlCancelled: async () => undefined,
};

interface Crawled {
  value?: unknown;
  error?: unknown;
  calls: ActivityCall[];
  status: string;
  outcome: string | undefined;
  handle: WorkflowHandle<typeof crawlRelease>;
}

const queue = uniqueTaskQueue();
const queues = { crawl: crawlTaskQueue(queue), forge: forgeTaskQueue(queue) };
const steps = new ScriptedActivities<Steps>({ ...nothing, crawlPackage: async () => look(null) });
let env: WorkflowTestEnv;
let crawls = 0;

// Each crawl is given 25 s before it is terminated; the slowest take about 8 s (see below).
jest.setTimeout(30_000);

beforeAll(async () => {
  env = await startWorkflowTestEnv();
  await env.startWorkers([
    { taskQueue: queues.crawl, workflows: true, activities: steps.activities('crawlPackage', 'recordCrawlResult', 'recordCrawlFailure', 'recordCrawlCancelled') },
    { taskQueue: queues.forge, activities: steps.activities('forgeFile', 'forgeListing', 'forgeReleases') },
  ]);
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

/** Runs one crawl against the script; `during` acts on the running workflow (to cancel it, say). */
async function crawl(script: Script, during?: (handle: WorkflowHandle<typeof crawlRelease>) => Promise<void>): Promise<Crawled> {
  crawls += 1;
  const workflowId = `crawl-${queue}-${crawls}`;
  const calls = steps.script(workflowId, script);
  const handle = await env.client.workflow.start(crawlRelease, { taskQueue: queues.crawl, workflowId, args: [release] });
  await during?.(handle);
  const ended = await settled(handle, 25_000);
  const description = await handle.describe();
  return { ...ended, calls, status: description.status.name, outcome: description.typedSearchAttributes.get(OUTCOME), handle };
}

const names = (calls: ActivityCall[]) => calls.map((call) => call.name);
const inputsOf = (calls: ActivityCall[], name: keyof Steps) => calls.filter((call) => call.name === name).map((call) => call.input);

async function crawlRef(handle: WorkflowHandle) {
  const { runId, startTime } = await handle.describe();
  return { workflowId: handle.workflowId, runId, startedAt: startTime.toISOString() };
}

async function historyCounts(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  const count = (type: temporal.api.enums.v1.EventType) => events.filter((event) => event.eventType === type).length;
  return { workflowTasks: count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED), activityTasks: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) };
}

/** The failure a crawl that failed ends with, as the client sees it. */
function crawlFailure(error: unknown): ApplicationFailure {
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('a changelog that turns up', () => {
  test('in the package archive ends found in one step, which recorded it: a local activity of the crawl worker', async () => {
    const archive = changelog('archive:package/CHANGELOG.md', 3);
    const run = await crawl({ crawlPackage: async () => look(archive) });

    expect(run.value).toBe('found');
    expect(names(run.calls)).toEqual(['crawlPackage']);
    expect(run.calls.map(({ isLocal, taskQueue }) => ({ isLocal, taskQueue }))).toEqual([{ isLocal: true, taskQueue: queues.crawl }]);
    expect(inputsOf(run.calls, 'crawlPackage')).toEqual([{ release, crawl: await crawlRef(run.handle) }]);
    expect(run.status).toBe('COMPLETED');
    expect(run.outcome).toBe('found');
    // The step ran inside the crawl's one workflow task: the server saw no activity task.
    expect(await historyCounts(run.handle)).toMatchObject({ workflowTasks: 1, activityTasks: 0 });
  });

  test('behind the link the package declares, when the archive has none, is fetched on the forge queue', async () => {
    const link = { url: 'https://forge.test/raw/pads/left-pad/HEAD/History.md', fileName: 'History.md', sourceUrl: 'https://forge.test/pads/left-pad/History.md' };
    const linked = changelog(`link:${link.sourceUrl}`, 5);
    const run = await crawl({
      crawlPackage: async () => look(null, { link, repository }),
      forgeFile: async () => linked,
    });

    expect(run.value).toBe('found');
    expect(names(run.calls)).toEqual(['crawlPackage', 'forgeFile', 'recordCrawlResult']);
    expect(inputsOf(run.calls, 'forgeFile')).toEqual([{ file: { ...link, foundIn: `link:${link.sourceUrl}` }, knownVersions }]);
    const forgeCall = run.calls[1]!;
    expect({ isLocal: forgeCall.isLocal, taskQueue: forgeCall.taskQueue }).toEqual({ isLocal: false, taskQueue: queues.forge });
    expect(inputsOf(run.calls, 'recordCrawlResult')).toMatchObject([{ outcome: 'found', changelog: linked }]);
    expect(run.outcome).toBe('found');
  });

  test("in the repository: the package's directory is listed first, then the root, and the file found there is fetched", async () => {
    const monorepo = { ...repository, directory: 'packages/left-pad' };
    const file = rootFile('CHANGELOG.md');
    const fromRoot = changelog(file.foundIn, 4);
    const run = await crawl({
      crawlPackage: async () => look(null, { repository: monorepo }),
      forgeListing: async ({ dir }) => (dir === '' ? file : null),
      forgeFile: async () => fromRoot,
    });

    expect(run.value).toBe('found');
    expect(names(run.calls)).toEqual(['crawlPackage', 'forgeListing', 'forgeListing', 'forgeFile', 'recordCrawlResult']);
    expect(inputsOf(run.calls, 'forgeListing')).toEqual([
      { repository: monorepo, dir: 'packages/left-pad' },
      { repository: monorepo, dir: '' },
    ]);
    expect(inputsOf(run.calls, 'forgeFile')).toEqual([{ file, knownVersions }]);
    expect(inputsOf(run.calls, 'recordCrawlResult')).toMatchObject([{ outcome: 'found', changelog: fromRoot }]);
    expect(run.outcome).toBe('found');
  });

  test("in the repository's releases, the last resort; a repository without a directory is listed once", async () => {
    const releases = changelog('releases:pads/left-pad', 7);
    const run = await crawl({
      crawlPackage: async () => look(null, { repository }),
      forgeReleases: async () => releases,
    });

    expect(run.value).toBe('found');
    expect(names(run.calls)).toEqual(['crawlPackage', 'forgeListing', 'forgeReleases', 'recordCrawlResult']);
    expect(inputsOf(run.calls, 'forgeListing')).toEqual([{ repository, dir: '' }]);
    expect(inputsOf(run.calls, 'forgeReleases')).toEqual([{ repository, knownVersions }]);
    expect(inputsOf(run.calls, 'recordCrawlResult')).toMatchObject([{ outcome: 'found', changelog: releases }]);
    expect(run.outcome).toBe('found');
  });

  test('after a forge step that was turned away once (Retry-After), found all the same', async () => {
    const link = { url: 'https://forge.test/raw/CHANGELOG.md', fileName: 'CHANGELOG.md', sourceUrl: 'https://forge.test/CHANGELOG.md' };
    const linked = changelog(`link:${link.sourceUrl}`, 2);
    let attempts = 0;
    const run = await crawl({
      crawlPackage: async () => look(null, { link }),
      forgeFile: async () => {
        attempts += 1;
        if (attempts === 1) throw ApplicationFailure.create({ message: 'rate limited', type: FAILURE_TYPES.upstreamUnavailable, nextRetryDelay: 20 });
        return linked;
      },
    });

    expect(run.value).toBe('found');
    expect(run.calls.filter((call) => call.name === 'forgeFile').map((call) => call.attempt)).toEqual([1, 2]);
    expect(inputsOf(run.calls, 'recordCrawlResult')).toMatchObject([{ outcome: 'found', changelog: linked }]);
  });
});

describe('a changelog without a release entry', () => {
  test('is kept while the forge is searched, and a later source with entries wins', async () => {
    const empty = changelog('archive:package/CHANGELOG.md', 0);
    const file = rootFile('CHANGES.md');
    const withEntries = changelog(file.foundIn, 3);
    const link = { url: 'https://forge.test/raw/NEWS.md', fileName: 'NEWS.md', sourceUrl: 'https://forge.test/NEWS.md' };
    const run = await crawl({
      crawlPackage: async () => look(empty, { link, repository }),
      forgeFile: async ({ file: wanted }) => (wanted.foundIn === file.foundIn ? withEntries : changelog(wanted.foundIn, 0)),
      forgeListing: async () => file,
    });

    expect(names(run.calls)).toEqual(['crawlPackage', 'forgeFile', 'forgeListing', 'forgeFile', 'recordCrawlResult']);
    expect(inputsOf(run.calls, 'recordCrawlResult')).toMatchObject([{ outcome: 'found', changelog: withEntries }]);
    expect(run.outcome).toBe('found');
  });

  test('is what the crawl records when no source has entries: the first one found, ahead of later empty ones', async () => {
    const empty = changelog('archive:package/CHANGELOG.md', 0);
    const run = await crawl({
      crawlPackage: async () => look(empty, { repository }),
      forgeReleases: async () => changelog('releases:pads/left-pad', 0),
    });

    expect(run.value).toBe('found');
    expect(names(run.calls)).toEqual(['crawlPackage', 'forgeListing', 'forgeReleases', 'recordCrawlResult']);
    expect(inputsOf(run.calls, 'recordCrawlResult')).toMatchObject([{ outcome: 'found', changelog: empty }]);
    expect(run.outcome).toBe('found');
  });
});

describe('no changelog', () => {
  test('and nowhere else to look ends not_found at once, as the package step recorded it', async () => {
    const run = await crawl({ crawlPackage: async () => look(null) });

    expect(run.value).toBe('not_found');
    expect(names(run.calls)).toEqual(['crawlPackage']);
    expect(run.status).toBe('COMPLETED');
    expect(run.outcome).toBe('not_found');
  });

  test('after every lead on the forge came to nothing ends not_found', async () => {
    const link = { url: 'https://forge.test/raw/CHANGELOG.md', fileName: 'CHANGELOG.md', sourceUrl: 'https://forge.test/CHANGELOG.md' };
    const run = await crawl({ crawlPackage: async () => look(null, { link, repository: { ...repository, directory: 'lib' } }) });

    expect(run.value).toBe('not_found');
    expect(names(run.calls)).toEqual(['crawlPackage', 'forgeFile', 'forgeListing', 'forgeListing', 'forgeReleases', 'recordCrawlResult']);
    expect(inputsOf(run.calls, 'recordCrawlResult')).toMatchObject([{ outcome: 'not_found', changelog: null }]);
    expect(run.outcome).toBe('not_found');
  });
});

describe('final answers from a step', () => {
  test('a rejected archive is recorded rejected, with the reason, and the workflow completes', async () => {
    const run = await crawl({
      crawlPackage: async () => {
        throw ApplicationFailure.nonRetryable('the archive holds 20001 entries (limit 20000)', FAILURE_TYPES.rejected);
      },
    });

    expect(run.value).toBe('rejected');
    expect(names(run.calls)).toEqual(['crawlPackage', 'recordCrawlResult']);
    expect(inputsOf(run.calls, 'recordCrawlResult')).toEqual([
      { release, crawl: await crawlRef(run.handle), outcome: 'rejected', changelog: null, reason: 'the archive holds 20001 entries (limit 20000)' },
    ]);
    expect(run.status).toBe('COMPLETED');
    expect(run.outcome).toBe('rejected');
  });

  test('a file rejected on the forge ends the crawl rejected too', async () => {
    const run = await crawl({
      crawlPackage: async () => look(null, { repository }),
      forgeListing: async () => rootFile('CHANGELOG.md'),
      forgeFile: async () => {
        throw ApplicationFailure.nonRetryable('the file is larger than 5 MB', FAILURE_TYPES.rejected);
      },
    });

    expect(run.value).toBe('rejected');
    expect(names(run.calls)).toEqual(['crawlPackage', 'forgeListing', 'forgeFile', 'recordCrawlResult']);
    expect(inputsOf(run.calls, 'recordCrawlResult')).toMatchObject([{ outcome: 'rejected', reason: 'the file is larger than 5 MB' }]);
    expect(run.outcome).toBe('rejected');
  });

  test('a release the registry does not have is recorded not_published, and the workflow completes', async () => {
    const run = await crawl({
      crawlPackage: async () => {
        throw ApplicationFailure.nonRetryable('left-pad@1.3.0 is not published', FAILURE_TYPES.notPublished);
      },
    });

    expect(run.value).toBe('not_published');
    expect(names(run.calls)).toEqual(['crawlPackage', 'recordCrawlResult']);
    expect(inputsOf(run.calls, 'recordCrawlResult')).toMatchObject([{ release, outcome: 'not_published', changelog: null, reason: 'left-pad@1.3.0 is not published' }]);
    expect(run.status).toBe('COMPLETED');
    expect(run.outcome).toBe('not_published');
  });
});

describe('a failed crawl', () => {
  // The step's own backoff (1 s, 2 s, 4 s) is part of what is tested: about 7 s.
  test('trouble that outlasts four attempts is recorded, then the workflow fails with CrawlFailed', async () => {
    const run = await crawl({
      crawlPackage: async () => {
        throw new Error('the registry answered 503');
      },
    });

    expect(run.calls.filter((call) => call.name === 'crawlPackage').map((call) => call.attempt)).toEqual([1, 2, 3, 4]);
    expect(names(run.calls).slice(4)).toEqual(['recordCrawlFailure']);
    expect(inputsOf(run.calls, 'recordCrawlFailure')).toEqual([{ release, crawl: await crawlRef(run.handle), error: 'the registry answered 503' }]);
    const failure = crawlFailure(run.error);
    expect(failure.type).toBe('CrawlFailed');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe('crawl of left-pad@1.3.0 failed: the registry answered 503');
    expect(run.status).toBe('FAILED');
    expect(run.outcome).toBe('failed');
  });

  test('a parser fault fails the crawl at once, recorded as a failure and not as found', async () => {
    const run = await crawl({
      crawlPackage: async () => {
        throw ApplicationFailure.nonRetryable('the parser threw: TypeError: x is undefined', FAILURE_TYPES.parserFault);
      },
    });

    expect(names(run.calls)).toEqual(['crawlPackage', 'recordCrawlFailure']);
    expect(inputsOf(run.calls, 'recordCrawlFailure')).toMatchObject([{ release, error: 'the parser threw: TypeError: x is undefined' }]);
    expect(crawlFailure(run.error).type).toBe('CrawlFailed');
    expect(run.status).toBe('FAILED');
    expect(run.outcome).toBe('failed');
  });
});

describe('a cancelled crawl', () => {
  // The package step runs inside a workflow task, so the server holds the cancellation back until the worker
  // heartbeats that task (at 8 s of its 10 s timeout): about 8 s.
  test('is recorded although the workflow is cancelled, and then ends cancelled', async () => {
    const inPackageStep = deferred();
    const run = await crawl(
      {
        crawlPackage: async () => {
          inPackageStep.resolve();
          return untilCancelled();
        },
      },
      async (handle) => {
        await inPackageStep.promise;
        await handle.cancel();
      },
    );

    expect(names(run.calls)).toEqual(['crawlPackage', 'recordCrawlCancelled']);
    expect(inputsOf(run.calls, 'recordCrawlCancelled')).toEqual([{ release, crawl: await crawlRef(run.handle) }]);
    expect(run.error).toBeInstanceOf(WorkflowFailedError);
    expect((run.error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(run.status).toBe('CANCELLED');
    expect(run.outcome).toBe('cancelled');
  });

  test('during a forge step is recorded the same way', async () => {
    const inForgeStep = deferred();
    const run = await crawl(
      {
        crawlPackage: async () => look(null, { repository }),
        forgeListing: async () => {
          inForgeStep.resolve();
          return untilCancelled();
        },
      },
      async (handle) => {
        await inForgeStep.promise;
        await handle.cancel();
      },
    );

    expect(names(run.calls)).toEqual(['crawlPackage', 'forgeListing', 'recordCrawlCancelled']);
    expect((run.error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(run.status).toBe('CANCELLED');
    expect(run.outcome).toBe('cancelled');
  });
});
