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

/** What an appended event carries besides its type and data. */
interface Appended {
  /** Deterministic: the same fact appended twice (a retried activity) is stored once. */
  eventId: string;
  metadata?: Record<string, unknown>;
}

/** Where the log stored an event. */
interface Recorded {
  position: string;
  transactionId: string;
  streamId: string;
  streamPosition: number;
  recordedAt: string;
}

// Distributed over the union, so that each stays a union discriminated by `type`: checking `type` narrows `data`.
export type NewEvent<E extends ChangelogEvent = ChangelogEvent> = E extends ChangelogEvent ? E & Appended : never;
export type StoredEvent<E extends ChangelogEvent = ChangelogEvent> = E extends ChangelogEvent ? E & Appended & Recorded : never;

export function releaseStreamId(release: ReleaseRef): string {
  return `${release.registry}:${release.name}@${release.version}`;
}
