import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  metricMeter,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ForgeActivities, PackageActivities } from '../activities/crawl';
import type { RecordingActivities } from '../activities/recording';
import { OUTCOME } from './searchAttributes';
import {
  type ChangelogRef,
  type CompletedOutcome,
  type CrawlOutcome,
  type CrawlRef,
  FAILURE_TYPES,
  type ForgeLeads,
  forgeTaskQueue,
  holdsEntries,
  type ReleaseFacts,
  type ReleaseRef,
} from './types';

/** Crawl steps talk to upstreams: a few attempts, then the crawl fails and can be replayed. */
const CRAWL_STEP_ATTEMPTS = 4;
const STEP_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: CRAWL_STEP_ATTEMPTS };

// The registry and the package archive are read in a local activity: it runs in the crawl worker inside this
// workflow's task, and records the result itself when there is nowhere else to look, so a crawl that finds its
// changelog in the archive is one step, one workflow task and no activity task. A worker that dies mid-step is noticed when the workflow task times out (10 s), and the
// step runs again elsewhere. Each upstream request has its own timeout (httpGet), and so does the sandbox.
const packageSteps = proxyLocalActivities<PackageActivities>({
  startToCloseTimeout: '3 minutes',
  retry: STEP_RETRY,
});

/** Recording talks only to our own Postgres: keep trying until it is back. */
const record = proxyLocalActivities<RecordingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * Requests to the forge: one request each, on the forge's task queue, whose rate limit is the forge's quota,
 * so crawls queue for the budget instead of spending attempts on finding it gone. They heartbeat while they
 * run, so a dead worker is noticed within the heartbeat timeout.
 */
function forgeSteps() {
  return proxyActivities<ForgeActivities>({
    taskQueue: forgeTaskQueue(orchestrationTaskQueueOf(workflowInfo().taskQueue)),
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '20 seconds',
    retry: STEP_RETRY,
  });
}

/** Crawl workflows run on `<orchestration>-crawl`; the forge queue hangs off the same orchestration name. */
function orchestrationTaskQueueOf(crawlQueue: string): string {
  return crawlQueue.replace(/-crawl$/, '');
}

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function describe(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * The crawl's outcome, as a search attribute and on the crawl worker's metrics endpoint. The SDK does not count
 * again when a worker replays this history, so a finished crawl counts once (twice only if the worker that
 * finished it died before reporting its workflow task, and another finished it again).
 */
function setOutcome(outcome: CrawlOutcome): void {
  upsertSearchAttributes([{ key: OUTCOME, value: outcome }]);
  metricMeter.createCounter('changelogs_crawls', undefined, 'Finished crawls, by outcome').add(1, { outcome });
}

/**
 * The forge, in order: the changelog the package links to, the repository (the package's directory first), the
 * repository's releases. The first changelog that holds a release entry wins; one without any is kept in case
 * nothing better turns up.
 */
async function searchForge(leads: ForgeLeads, fallback: ChangelogRef | null): Promise<ChangelogRef | null> {
  const forge = forgeSteps();
  const { knownVersions, repository } = leads;
  const sources: (() => Promise<ChangelogRef | null>)[] = [];
  if (leads.link) {
    const file = { ...leads.link, foundIn: `link:${leads.link.sourceUrl}` };
    sources.push(() => forge.forgeFile({ file, knownVersions }));
  }
  if (repository) {
    for (const dir of new Set([repository.directory ?? '', ''])) {
      sources.push(async () => {
        const file = await forge.forgeListing({ repository, dir });
        return file ? forge.forgeFile({ file, knownVersions }) : null;
      });
    }
    sources.push(() => forge.forgeReleases({ repository, knownVersions }));
  }
  let best = fallback;
  for (const source of sources) {
    const changelog = await source();
    if (holdsEntries(changelog)) return changelog;
    best ??= changelog;
  }
  return best;
}

async function finish(release: ReleaseRef, crawl: CrawlRef, outcome: CompletedOutcome, rest: { facts?: ReleaseFacts; changelog?: ChangelogRef | null; reason?: string | null }): Promise<CompletedOutcome> {
  await record.recordCrawlResult({ release: { ...release, ...rest.facts }, crawl, outcome, changelog: rest.changelog ?? null, reason: rest.reason ?? null });
  setOutcome(outcome);
  return outcome;
}

/** Crawls one release: find its changelog, parse it, record the result. */
export async function crawlRelease(release: ReleaseRef): Promise<CompletedOutcome> {
  const { workflowId, runId, startTime } = workflowInfo();
  const crawl: CrawlRef = { workflowId, runId, startedAt: startTime.toISOString() };
  try {
    const look = await packageSteps.crawlPackage({ release, crawl });
    if (look.recorded) {
      setOutcome(look.recorded);
      return look.recorded;
    }
    const changelog = look.leads ? await searchForge(look.leads, look.changelog) : look.changelog;
    return await finish(release, crawl, changelog ? 'found' : 'not_found', { facts: look.facts, changelog });
  } catch (err) {
    if (isCancellation(err)) {
      // Cancelled is a result too: recorded where cancellation cannot reach, then let through.
      await CancellationScope.nonCancellable(() => record.recordCrawlCancelled({ release, crawl }));
      setOutcome('cancelled');
      throw err;
    }
    switch (failureType(err)) {
      case FAILURE_TYPES.rejected:
        return finish(release, crawl, 'rejected', { reason: describe(err) });
      case FAILURE_TYPES.notPublished:
        return finish(release, crawl, 'not_published', { reason: describe(err) });
    }
    await record.recordCrawlFailure({ release, crawl, error: describe(err) });
    setOutcome('failed');
    throw ApplicationFailure.nonRetryable(`crawl of ${release.name}@${release.version} failed: ${describe(err)}`, 'CrawlFailed');
  }
}
