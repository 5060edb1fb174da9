import type { Pool, PoolClient } from 'pg';
import type { ChangelogEvent, StoredEvent } from './events';
import { LOG_START, type LogPosition } from './logPosition';

export interface LogFilter {
  types?: readonly ChangelogEvent['type'][];
  registry?: string;
  name?: string;
}

export interface ReadLogBatchOptions {
  /** Read events after this position (exclusive); the start of the log when omitted. */
  after?: LogPosition | null;
  /** Stop at this position (inclusive). */
  upTo?: LogPosition | null;
  limit: number;
  filter?: LogFilter;
  /**
   * Also read committed rows past the oldest open transaction. Only safe while appends are locked out,
   * as the projection rebuild does for its last batch.
   */
  beyondOpenTransactions?: boolean;
}

/** A row of `events`: its `type` and `data` columns hold one of the events, as appendToStream wrote it. */
type EventRow = ChangelogEvent & {
  position: string;
  transaction_id: string;
  stream_id: string;
  stream_position: number;
  event_id: string;
  metadata: Record<string, unknown>;
  recorded_at: Date;
};

/**
 * Reads the next events of the log in follower order. Only rows whose transaction is older than every
 * transaction still open are read: a transaction that appended earlier but commits later gets a lower
 * transaction id than the rows read so far, and this rule holds the reader back until it has committed.
 */
export async function readLogBatch(db: Pool | PoolClient, options: ReadLogBatchOptions): Promise<StoredEvent[]> {
  const { rows } = await db.query<EventRow>(
    `SELECT position::text, transaction_id::text, stream_id, stream_position, event_id, type, data, metadata, recorded_at
       FROM events ${LOG_PAGE}`,
    logPageParameters(options),
  );
  return rows.map(toStoredEvent);
}

/**
 * WHERE, ORDER BY and LIMIT of a page of the log in follower order, for any SELECT list over `events`; its
 * parameters come from logPageParameters.
 */
export const LOG_PAGE = `
  WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
    AND ($3::xid8 IS NULL OR (transaction_id, position) <= ($3::xid8, $4::bigint))
    AND ($9 OR transaction_id < pg_snapshot_xmin(pg_current_snapshot()))
    AND ($5::text[] IS NULL OR type = ANY ($5::text[]))
    AND ($6::text IS NULL OR data->>'registry' = $6)
    AND ($7::text IS NULL OR data->>'name' = $7)
  ORDER BY events.transaction_id, events.position
  LIMIT $8`;

export function logPageParameters(options: ReadLogBatchOptions): unknown[] {
  const after = options.after ?? LOG_START;
  const filter = options.filter ?? {};
  return [
    after.transactionId,
    after.position,
    options.upTo?.transactionId ?? null,
    options.upTo?.position ?? null,
    filter.types ?? null,
    filter.registry ?? null,
    filter.name ?? null,
    options.limit,
    options.beyondOpenTransactions ?? false,
  ];
}

/** The last event a follower may read now: where a follower that only wants new events starts. */
export async function readLogHead(db: Pool | PoolClient): Promise<LogPosition> {
  const { rows } = await db.query<{ transaction_id: string; position: string }>(
    `SELECT transaction_id::text, position::text
       FROM events
      WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY events.transaction_id DESC, events.position DESC
      LIMIT 1`,
  );
  const row = rows[0];
  return row ? { transactionId: row.transaction_id, position: row.position } : LOG_START;
}

export function logPositionOf(event: Pick<StoredEvent, 'transactionId' | 'position'>): LogPosition {
  return { transactionId: event.transactionId, position: event.position };
}

function toStoredEvent(row: EventRow): StoredEvent {
  // The rest is the event itself ({ type, data }), still discriminated by its type.
  const { position, transaction_id, stream_id, stream_position, event_id, metadata, recorded_at, ...event } = row;
  return {
    ...event,
    eventId: event_id,
    metadata,
    position,
    transactionId: transaction_id,
    streamId: stream_id,
    streamPosition: stream_position,
    recordedAt: recorded_at.toISOString(),
  };
}
