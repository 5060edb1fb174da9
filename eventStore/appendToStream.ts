import type { PoolClient } from 'pg';
import type { NewEvent, StoredEvent } from './events';

interface EventRow {
  position: string;
  transaction_id: string;
  stream_position: number;
  event_id: string;
  recorded_at: Date;
}

/**
 * Appends events to a stream inside the caller's transaction. Events whose id is already stored are
 * skipped: appending is idempotent. Returns only the events this call stored.
 */
export async function appendToStream(client: PoolClient, streamId: string, events: NewEvent[]): Promise<StoredEvent[]> {
  if (events.length === 0) return [];
  // Serialises appends to one stream, so stream positions are gap-free without retry loops.
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamId]);
  const { rows } = await client.query<EventRow>(
    `WITH next AS (
       SELECT coalesce(max(stream_position), 0) AS last FROM events WHERE stream_id = $1
     ), fresh AS (
       SELECT e.event_id, e.type, e.data, e.metadata, e.ord
       FROM ROWS FROM (jsonb_to_recordset($2::jsonb) AS (event_id text, type text, data jsonb, metadata jsonb))
         WITH ORDINALITY AS e(event_id, type, data, metadata, ord)
       WHERE NOT EXISTS (SELECT 1 FROM events x WHERE x.event_id = e.event_id)
     )
     INSERT INTO events (stream_id, stream_position, event_id, type, data, metadata)
     SELECT $1, next.last + row_number() OVER (ORDER BY fresh.ord), fresh.event_id, fresh.type, fresh.data, coalesce(fresh.metadata, '{}')
     FROM fresh, next
     ON CONFLICT (event_id) DO NOTHING
     RETURNING position, transaction_id::text, stream_position, event_id, recorded_at`,
    [streamId, JSON.stringify(events.map((e) => ({ event_id: e.eventId, type: e.type, data: e.data, metadata: e.metadata ?? {} })))],
  );
  const byId = new Map(events.map((e) => [e.eventId, e]));
  return rows.map((row) => {
    const event = byId.get(row.event_id)!;
    return {
      ...event,
      position: row.position,
      transactionId: row.transaction_id,
      streamId,
      streamPosition: row.stream_position,
      recordedAt: row.recorded_at.toISOString(),
    };
  });
}
