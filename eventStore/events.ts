// The events this system appends. Each is a fact about one release, on the stream `<registry>:<name>@<version>`.
import type { ChangelogRef, CompletedOutcome, CrawlRef, ReleaseRef } from '../workflows/types';

export interface ReleaseCrawled {
  type: 'ReleaseCrawled';
  data: ReleaseRef & {
    outcome: CompletedOutcome;
    publishedAt: string | null;
    latestVersion: string | null;
    summary: string | null;
    changelog: ChangelogRef | null;
    /** Why a release was rejected, or is not published. */
    reason: string | null;
    crawl: CrawlRef;
    finishedAt: string;
  };
}

export interface CrawlFailed {
  type: 'CrawlFailed';
  data: ReleaseRef & { error: string; crawl: CrawlRef; finishedAt: string };
}

/** Someone cancelled the crawl; each cancelled run is kept, like a failed one. */
export interface CrawlCancelled {
  type: 'CrawlCancelled';
  data: ReleaseRef & { crawl: CrawlRef; finishedAt: string };
}

export type ChangelogEvent = ReleaseCrawled | CrawlFailed | CrawlCancelled;

export interface NewEvent<E extends ChangelogEvent = ChangelogEvent> {
  /** Deterministic: the same fact appended twice (a retried activity) is stored once. */
  eventId: string;
  type: E['type'];
  data: E['data'];
  metadata?: Record<string, unknown>;
}

export type StoredEvent<E extends ChangelogEvent = ChangelogEvent> = NewEvent<E> & {
  position: string;
  transactionId: string;
  streamId: string;
  streamPosition: number;
  recordedAt: string;
};

export function releaseStreamId(release: ReleaseRef): string {
  return `${release.registry}:${release.name}@${release.version}`;
}
