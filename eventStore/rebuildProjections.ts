// Rebuilds the read models from the log: replays every event into fresh tables in a scratch schema while
// the live ones keep serving, then swaps their contents in one short transaction.
import type { Pool, PoolClient } from 'pg';
import type { LogPosition } from './logPosition';
import { projectEvent } from './projections/projectEvent';
import { logPositionOf, readLogBatch } from './readLogBatch';

/** The read models, parents before children (changelog_entries references packages). */
export const PROJECTION_TABLES = ['packages', 'releases', 'changelog_entries', 'crawls'] as const;

const SCRATCH = 'projections_rebuild';
const REBUILD_LOCK = 7_401_555_020;

export interface RebuildProgress {
  phase: 'replay' | 'swap' | 'done';
  replayed: number;
  /** Events in the log when the rebuild started (more may arrive while it runs). */
  total: number;
}

export interface RebuildOptions {
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
}

export async function rebuildProjections(pool: Pool, options: RebuildOptions = {}): Promise<{ replayed: number }> {
  const { batchSize = 500, onProgress = () => undefined } = options;
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [REBUILD_LOCK]);
    if (!rows[0]?.locked) throw new Error('another projections rebuild is running');
    await createScratchTables(client);
    const total = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]!.n);
    let replayed = 0;
    let checkpoint: LogPosition | null = null;
    /** Projects the next batch into the scratch tables; false when there was none. */
    const replayBatch = async (beyondOpenTransactions: boolean): Promise<boolean> => {
      const batch = await readLogBatch(client, { after: checkpoint, limit: batchSize, beyondOpenTransactions });
      for (const event of batch) await projectEvent(client, event);
      if (batch.length === 0) return false;
      checkpoint = logPositionOf(batch[batch.length - 1]!);
      replayed += batch.length;
      onProgress({ phase: 'replay', replayed, total });
      return true;
    };

    // Most of the log, a transaction per batch, while appends and the live projections carry on.
    await client.query(`SET search_path TO ${SCRATCH}, public`);
    for (let more = true; more; ) {
      await client.query('BEGIN');
      more = await replayBatch(false);
      await client.query('COMMIT');
    }
    await client.query('BEGIN');
    // The tail, with appends held back: SHARE waits for open appending transactions to commit and blocks new
    // ones until the swap commits. With no append in flight every committed event can be read; the appends
    // held back project themselves into the swapped-in tables once they go ahead.
    await client.query('LOCK TABLE public.events IN SHARE MODE');
    onProgress({ phase: 'swap', replayed, total });
    while (await replayBatch(true));
    await client.query('SET LOCAL search_path TO public');
    await client.query(`LOCK TABLE ${PROJECTION_TABLES.map((t) => `public.${t}`).join(', ')} IN ACCESS EXCLUSIVE MODE`);
    await client.query(`TRUNCATE ${PROJECTION_TABLES.map((t) => `public.${t}`).join(', ')}`);
    for (const table of PROJECTION_TABLES) {
      const columns = await storedColumns(client, table);
      await client.query(`INSERT INTO public.${table} (${columns}) SELECT ${columns} FROM ${SCRATCH}.${table}`);
    }
    await client.query(`DROP SCHEMA ${SCRATCH} CASCADE`);
    await client.query('COMMIT');
    onProgress({ phase: 'done', replayed, total });
    return { replayed };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.query('RESET search_path').catch(() => undefined);
    await client.query('SELECT pg_advisory_unlock($1)', [REBUILD_LOCK]).catch(() => undefined);
    client.release();
  }
}

async function createScratchTables(client: PoolClient): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${SCRATCH} CASCADE`);
  await client.query(`CREATE SCHEMA ${SCRATCH}`);
  for (const table of PROJECTION_TABLES) {
    // Same columns, defaults, constraints and indexes; no triggers and no foreign keys (the replay order
    // satisfies them, and the live tables check them again when the rows are copied in).
    await client.query(`CREATE TABLE ${SCRATCH}.${table} (LIKE public.${table} INCLUDING ALL)`);
  }
}

/** Columns that hold data: generated columns are computed again, trigger-kept ones recomputed by triggers. */
async function storedColumns(client: PoolClient, table: string): Promise<string> {
  const { rows } = await client.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER'
      ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => `"${r.column_name}"`).join(', ');
}
