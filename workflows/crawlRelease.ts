import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { CrawlActivities } from '../activities/crawl';
import type { RecordingActivities } from '../activities/recording';
import { OUTCOME } from './searchAttributes';
import { crawlTaskQueue, FAILURE_TYPES, type CrawlOutcome, type CrawlRef, type ReleaseRef } from './types';

/** Crawl steps talk to upstreams: a few attempts, then the crawl fails and can be replayed. */
const CRAWL_STEP_ATTEMPTS = 4;

function crawlSteps() {
  return proxyActivities<CrawlActivities>({
    taskQueue: crawlTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '2 minutes',
    // Sandboxed steps heartbeat: a dead crawl worker is noticed in seconds, and cancellation reaches them.
    heartbeatTimeout: '15 seconds',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: CRAWL_STEP_ATTEMPTS },
  });
}

/** Recording talks only to our own Postgres: keep trying until it is back. */
const record = proxyActivities<RecordingActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function describe(err: unknown): string {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

function setOutcome(outcome: CrawlOutcome): void {
  upsertSearchAttributes([{ key: OUTCOME, value: outcome }]);
}

/** Crawls one release: find its changelog, parse it, record the result. */
export async function crawlRelease(release: ReleaseRef): Promise<CrawlOutcome> {
  const { workflowId, runId, startTime } = workflowInfo();
  const crawl: CrawlRef = { workflowId, runId, startedAt: startTime.toISOString() };
  const steps = crawlSteps();
  try {
    const resolved = await steps.resolveRelease(release);
    const changelog = await steps.fetchChangelog(resolved);
    const outcome = changelog ? 'found' : 'not_found';
    const { publishedAt, latestVersion, summary } = resolved;
    await record.recordCrawlResult({ release: { ...release, publishedAt, latestVersion, summary }, crawl, outcome, changelog, reason: null });
    setOutcome(outcome);
    return outcome;
  } catch (err) {
    if (failureType(err) === FAILURE_TYPES.rejected) {
      await record.recordCrawlResult({ release, crawl, outcome: 'rejected', changelog: null, reason: describe(err) });
      setOutcome('rejected');
      return 'rejected';
    }
    await record.recordCrawlFailure({ release, crawl, error: describe(err) });
    setOutcome('failed');
    throw ApplicationFailure.nonRetryable(`crawl of ${release.name}@${release.version} failed: ${describe(err)}`, 'CrawlFailed');
  }
}
