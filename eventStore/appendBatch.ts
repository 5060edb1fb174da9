// Appending the events of many streams at once: one transaction, one INSERT for every stream, and the read
// models updated by set-based statements (projectBatch) in the same transaction, so a thousand crawl results
// cost a handful of round trips instead of a dozen each. Same rules as appendToStream and appendAndProject:
// idempotent by event id, gap-free stream positions, readers never see events without their projections.
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../infra/db/transaction';
import type { NewEvent } from './events';
import { BATCH_COLUMNS, BATCH_TABLE, prepareBatchTable, projectBatch } from './projections/projectBatch';

export interface StreamAppend {
  streamId: string;
  events: NewEvent[];
}

/**
 * Appends inside the caller's transaction, and puts the events it stored into the batch table for projectBatch.
 * Returns how many it stored (events whose id is already stored are skipped).
 */
export async function appendToStreams(client: PoolClient, appends: StreamAppend[]): Promise<number> {
  const seen = new Set<string>();
  const rows = appends.flatMap(({ streamId, events }) =>
    events
      .filter((e) => !seen.has(e.eventId) && seen.add(e.eventId))
      .map((e) => ({ stream_id: streamId, event_id: e.eventId, type: e.type, data: e.data, metadata: e.metadata ?? {} })),
  );
  if (rows.length === 0) return 0;
  const streams = [...new Set(appends.filter((a) => a.events.length > 0).map((a) => a.streamId))];
  // The same per-stream lock as appendToStream, taken in one order so two batches cannot deadlock.
  await client.query(
    `SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT hashtextextended(s, 0) AS k FROM unnest($1::text[]) AS s ORDER BY 1) locks`,
    [streams],
  );
  await prepareBatchTable(client);
  const { rows: stored } = await client.query<{ n: string }>(
    `WITH fresh AS (
       SELECT e.stream_id, e.event_id, e.type, e.data, e.metadata, e.ord
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (stream_id text, event_id text, type text, data jsonb, metadata jsonb))
           WITH ORDINALITY AS e(stream_id, event_id, type, data, metadata, ord)
        WHERE NOT EXISTS (SELECT 1 FROM events x WHERE x.event_id = e.event_id)
     ), last AS (
       SELECT s.stream_id, coalesce((SELECT max(stream_position) FROM events WHERE events.stream_id = s.stream_id), 0) AS last
         FROM (SELECT DISTINCT stream_id FROM fresh) s
     ), inserted AS (
       INSERT INTO events (stream_id, stream_position, event_id, type, data, metadata)
       SELECT f.stream_id, l.last + row_number() OVER (PARTITION BY f.stream_id ORDER BY f.ord), f.event_id, f.type, f.data, coalesce(f.metadata, '{}')
         FROM fresh f JOIN last l USING (stream_id)
        ORDER BY f.ord
       ON CONFLICT (event_id) DO NOTHING
       RETURNING *
     ), batched AS (
       INSERT INTO ${BATCH_TABLE} SELECT ${BATCH_COLUMNS} FROM inserted e
       RETURNING 1
     )
     SELECT count(*) AS n FROM batched`,
    [JSON.stringify(rows)],
  );
  return Number(stored[0]!.n);
}

/** Appends the events of many streams and projects them, in one transaction. Returns how many were stored. */
export async function appendAndProjectBatch(pool: Pool, appends: StreamAppend[]): Promise<number> {
  return inTransaction(pool, async (client) => {
    const stored = await appendToStreams(client, appends);
    if (stored > 0) await projectBatch(client, { entries: 'replace' });
    return stored;
  });
}
