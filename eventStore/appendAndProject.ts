import type { Pool } from 'pg';
import { appendToStream } from './appendToStream';
import type { NewEvent, StoredEvent } from './events';
import { projectEvent } from './projections/projectEvent';

/** Appends events and updates the read models in one transaction: readers never see one without the other. */
export async function appendAndProject(pool: Pool, streamId: string, events: NewEvent[]): Promise<StoredEvent[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const stored = await appendToStream(client, streamId, events);
    for (const event of stored) await projectEvent(client, event);
    await client.query('COMMIT');
    return stored;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
