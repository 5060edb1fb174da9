import { Pool } from 'pg';
import { ensureDatabase } from './ensureDatabase';
import { migrate } from './migrate';

export { ensureDatabase, dropDatabase } from './ensureDatabase';
export { migrate } from './migrate';

/** Creates the database if needed, applies migrations, and returns a pool on it. */
export async function openDatabase(databaseUrl: string, log?: (line: string) => void): Promise<Pool> {
  await ensureDatabase(databaseUrl);
  const pool = new Pool({ connectionString: databaseUrl, max: 10 });
  // A client losing its connection (Postgres restarted) must not crash the process: idle ones report through
  // the pool, checked-out ones through their own 'error' event (their pending query rejects as well).
  pool.on('error', (err) => log?.(`postgres: idle client error: ${err.message}`));
  pool.on('connect', (client) => client.on('error', (err) => log?.(`postgres: connection lost: ${err.message}`)));
  await migrate(pool, log);
  return pool;
}
