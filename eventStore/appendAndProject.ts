import type { Pool } from 'pg';
import { inTransaction } from '../infra/db/transaction';
import { appendToStream } from './appendToStream';
import type { NewEvent, StoredEvent } from './events';
import { projectEvent } from './projections/projectEvent';

/** Appends events and updates the read models in one transaction: readers never see one without the other. */
export async function appendAndProject(pool: Pool, streamId: string, events: NewEvent[]): Promise<StoredEvent[]> {
  return inTransaction(pool, async (client) => {
    const stored = await appendToStream(client, streamId, events);
    for (const event of stored) await projectEvent(client, event);
    return stored;
  });
}
