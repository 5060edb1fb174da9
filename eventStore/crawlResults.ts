// Crawl results as a stream shows them: which release, how its crawl ended, where in the log. A subscriber
// catching up reads these straight from the table, a handful of columns per event rather than the whole event
// (its changelog reference, summary, metadata), which is what lets a catch-up go at the speed Postgres reads the
// log; live events are turned into the same rows.
import type { Pool } from 'pg';
import type { ChangelogEvent, StoredEvent } from './events';
import type { FollowSource } from './readAndFollow';
import { matchesFilter } from './readAndFollow';
import { LOG_PAGE, type LogFilter, logPageParameters } from './readLogBatch';
import type { LogPosition } from './logPosition';

export const CRAWL_RESULT_TYPES = ['ReleaseCrawled', 'CrawlFailed', 'CrawlCancelled'] as const satisfies readonly ChangelogEvent['type'][];

export interface CrawlResult extends LogPosition {
  type: ChangelogEvent['type'];
  registry: string;
  name: string;
  version: string;
  /** The ReleaseCrawled outcome; failed and cancelled for the other two. */
  outcome: string;
  workflowId: string;
  /** ISO timestamp at which the result was recorded. */
  recordedAt: string;
}

/** The same row for every subscriber of a live event (so that they can share one execution of their query). */
const fromEvent = new WeakMap<StoredEvent, CrawlResult>();

export function crawlResultOf(event: StoredEvent): CrawlResult {
  let result = fromEvent.get(event);
  if (!result) {
    result = {
      transactionId: event.transactionId,
      position: event.position,
      type: event.type,
      registry: event.data.registry,
      name: event.data.name,
      version: event.data.version,
      outcome: event.type === 'ReleaseCrawled' ? event.data.outcome : event.type === 'CrawlFailed' ? 'failed' : 'cancelled',
      workflowId: event.data.crawl.workflowId,
      recordedAt: event.recordedAt,
    };
    fromEvent.set(event, result);
  }
  return result;
}

/** Crawl results after `after` up to `upTo` (inclusive), in log order, by the same rules as readLogBatch. */
export async function readCrawlResults(
  pool: Pool,
  options: { after: LogPosition; upTo: LogPosition; limit: number; filter?: Omit<LogFilter, 'types'> },
): Promise<CrawlResult[]> {
  const { rows } = await pool.query<CrawlResult>(
    // Column order as in CrawlResult; recorded_at formatted by Postgres, which is cheaper than a Date per row.
    `SELECT transaction_id::text AS "transactionId", position::text AS position, type,
            data->>'registry' AS registry, data->>'name' AS name, data->>'version' AS version,
            CASE type WHEN 'ReleaseCrawled' THEN data->>'outcome' WHEN 'CrawlFailed' THEN 'failed' ELSE 'cancelled' END AS outcome,
            data->'crawl'->>'workflowId' AS "workflowId",
            to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "recordedAt"
       FROM events ${LOG_PAGE}`,
    logPageParameters({ ...options, filter: { ...options.filter, types: CRAWL_RESULT_TYPES } }),
  );
  return rows;
}

/** The source a crawl-result stream follows: lean rows from the table, the same rows for live events. */
export function crawlResultSource(pool: Pool, filter: Omit<LogFilter, 'types'> = {}): FollowSource<CrawlResult> {
  const live: LogFilter = { ...filter, types: CRAWL_RESULT_TYPES };
  return {
    readPage: (after, upTo, limit) => readCrawlResults(pool, { after, upTo, limit, filter }),
    fromLive: (event) => (matchesFilter(event, live) ? crawlResultOf(event) : null),
    positionOf: (result) => result,
  };
}
