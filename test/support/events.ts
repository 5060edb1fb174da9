import type { Pool } from 'pg';
import type { StoredEvent } from '../../eventStore/events';

/** One stream's events, in order, as the log stores them. */
export async function readStream(pool: Pool, streamId: string): Promise<StoredEvent[]> {
  const { rows } = await pool.query<{ position: string; transaction_id: string; stream_position: number; event_id: string; type: StoredEvent['type']; data: StoredEvent['data']; metadata: Record<string, unknown>; recorded_at: Date }>(
    `SELECT position::text, transaction_id::text, stream_position, event_id, type, data, metadata, recorded_at
       FROM events WHERE stream_id = $1 ORDER BY stream_position`,
    [streamId],
  );
  return rows.map((r) => ({
    position: r.position,
    transactionId: r.transaction_id,
    streamId,
    streamPosition: r.stream_position,
    eventId: r.event_id,
    type: r.type,
    data: r.data,
    metadata: r.metadata,
    recordedAt: r.recorded_at.toISOString(),
  }) as StoredEvent);
}
