import { Pool } from 'pg';
import { ensureDatabase } from './ensureDatabase';
import { migrate } from './migrate';

export { ensureDatabase, dropDatabase } from './ensureDatabase';
export { migrate } from './migrate';

export interface DatabaseOptions {
  /**
   * Keep idle connections open for as long as the process runs, instead of closing each after 10 s unused (pg's
   * default), for a server whose requests wait on Postgres (the API). A new connection is a new Postgres backend:
   * its first statements load catalogs and text search dictionaries and prepare the named statements again, so after
   * a lull of 10 s the API met its next burst of searches with ten fresh connections at once, and held searches for
   * up to 600 ms (`npm run bench:read-side`: 64 searches at once after a 45 s pause; with the connections kept, 160
   * ms). The pool keeps at most 10.
   */
  keepIdleConnections?: boolean;
}

/** Creates the database if needed, applies migrations, and returns a pool on it. */
export async function openDatabase(databaseUrl: string, log?: (line: string) => void, { keepIdleConnections = false }: DatabaseOptions = {}): Promise<Pool> {
  await ensureDatabase(databaseUrl);
  const pool = new Pool({ connectionString: databaseUrl, max: 10, ...(keepIdleConnections && { idleTimeoutMillis: 0 }) });
  // A client losing its connection (Postgres restarted) must not crash the process: idle ones report through
  // the pool, checked-out ones through their own 'error' event (their pending query rejects as well).
  pool.on('error', (err) => log?.(`postgres: idle client error: ${err.message}`));
  pool.on('connect', (client) => client.on('error', (err) => log?.(`postgres: connection lost: ${err.message}`)));
  await migrate(pool, log);
  return pool;
}
