// Appending crawl results to the event log: local activities of the crawl workflow, in the crawl worker.
import type { Pool } from 'pg';
import type { ChangelogRef, CompletedOutcome, CrawlRef, ReleaseInfo, ReleaseRef } from '../../workflows/types';
import { appendAndProject } from '../../eventStore/appendAndProject';
import { releaseStreamId } from '../../eventStore/events';

export interface CrawlResult {
  release: ReleaseRef & Partial<Pick<ReleaseInfo, 'publishedAt' | 'latestVersion' | 'summary'>>;
  crawl: CrawlRef;
  outcome: CompletedOutcome;
  changelog: ChangelogRef | null;
  reason: string | null;
}

/** Stores a crawl's final result. A release's result is stored once, whichever run records it. */
export async function recordCrawlResult(pool: Pool, result: CrawlResult): Promise<void> {
  const { release, crawl } = result;
  const streamId = releaseStreamId(release);
  await appendAndProject(pool, streamId, [
    {
      eventId: `${streamId}/crawled`,
      type: 'ReleaseCrawled',
      data: {
        registry: release.registry,
        name: release.name,
        version: release.version,
        outcome: result.outcome,
        publishedAt: release.publishedAt ?? null,
        latestVersion: release.latestVersion ?? null,
        summary: release.summary ?? null,
        changelog: result.changelog,
        reason: result.reason,
        crawl,
        finishedAt: new Date().toISOString(),
      },
    },
  ]);
}

export function createRecordingActivities(pool: Pool) {
  return {
    async recordCrawlResult(result: CrawlResult): Promise<void> {
      await recordCrawlResult(pool, result);
    },

    /** Stores a failed run; each run's failure is kept, so replays show their history. */
    async recordCrawlFailure(input: { release: ReleaseRef; crawl: CrawlRef; error: string }): Promise<void> {
      const streamId = releaseStreamId(input.release);
      await appendAndProject(pool, streamId, [
        {
          eventId: `${streamId}/failed/${input.crawl.runId}`,
          type: 'CrawlFailed',
          data: {
            registry: input.release.registry,
            name: input.release.name,
            version: input.release.version,
            error: input.error,
            crawl: input.crawl,
            finishedAt: new Date().toISOString(),
          },
        },
      ]);
    },

    /** Stores a cancelled run, so the crawl history shows it. */
    async recordCrawlCancelled(input: { release: ReleaseRef; crawl: CrawlRef }): Promise<void> {
      const streamId = releaseStreamId(input.release);
      await appendAndProject(pool, streamId, [
        {
          eventId: `${streamId}/cancelled/${input.crawl.runId}`,
          type: 'CrawlCancelled',
          data: { registry: input.release.registry, name: input.release.name, version: input.release.version, crawl: input.crawl, finishedAt: new Date().toISOString() },
        },
      ]);
    },
  };
}

export type RecordingActivities = ReturnType<typeof createRecordingActivities>;
