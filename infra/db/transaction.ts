import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` inside BEGIN … COMMIT; any error rolls it back and is thrown again. Given a pool, on a connection of
 * its own, released after; given a connection (one that holds a session lock, say), on that connection.
 */
export async function inTransaction<T>(db: Pool | PoolClient, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const own = !isClient(db);
  const client = isClient(db) ? db : await db.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    if (own) client.release();
  }
}

function isClient(db: Pool | PoolClient): db is PoolClient {
  return 'release' in db && typeof db.release === 'function';
}
