// Rebuilds the read models from the log into fresh tables in a scratch schema, a batch of events at a time with
// set-based statements (projectBatch), while the live tables keep serving; then swaps the fresh tables in by
// renaming, in one short transaction.
//
// The scratch tables start with their columns and primary keys only. Changelog entries, their search documents
// (through the same trigger the live tables use), the other indexes, foreign keys and triggers come once, after the
// bulk of the log, instead of being maintained batch by batch. Whatever was appended meanwhile is then projected
// the live way, and the last of it with appends held back, right before the swap.
import type { Pool, PoolClient } from 'pg';
import { LOG_START, type LogPosition } from './logPosition';
import { BATCH_COLUMNS, BATCH_TABLE, insertEntriesSql, prepareBatchTable, projectBatch } from './projections/projectBatch';

/** The read models, parents before children (changelog_entries references packages). */
export const PROJECTION_TABLES = ['packages', 'releases', 'changelog_entries', 'crawls'] as const;

const SCRATCH = 'projections_rebuild';
const RETIRED = 'projections_retired';
const REBUILD_LOCK = 7_401_555_020;

export interface RebuildProgress {
  /** replay: the bulk of the log; finish: entries, search documents and indexes; swap: the tail, appends held. */
  phase: 'replay' | 'finish' | 'swap' | 'done';
  replayed: number;
  /** Events in the log when the rebuild started (more may arrive while it runs). */
  total: number;
  /** During `finish`, the step under way. */
  step?: string;
}

export interface RebuildOptions {
  batchSize?: number;
  onProgress?: (progress: RebuildProgress) => void;
}

/** What the live tables have beyond their columns, to give the fresh ones, in the order it is added. */
interface TableExtras {
  keys: string[];
  indexes: string[];
  foreignKeys: string[];
  triggers: string[];
}

export async function rebuildProjections(pool: Pool, options: RebuildOptions = {}): Promise<{ replayed: number }> {
  const { batchSize = 5_000, onProgress = () => undefined } = options;
  const client = await pool.connect();
  let swapped = false;
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [REBUILD_LOCK]);
    if (!rows[0]?.locked) throw new Error('another projections rebuild is running');
    await client.query('SET search_path TO public');
    const extras = await readExtras(client);
    await createScratchTables(client, extras);
    const total = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]!.n);
    let replayed = 0;
    let checkpoint: LogPosition = LOG_START;
    /** Projects the next batch into the scratch tables; false when there was none. */
    const replayBatch = async (entries: 'defer' | 'replace', beyondOpenTransactions: boolean): Promise<boolean> => {
      await prepareBatchTable(client);
      const { rows: [last] } = await client.query<{ n: string; transaction_id: string; position: string }>(
        `WITH next AS (
           SELECT * FROM events
            WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
              AND ($4 OR transaction_id < pg_snapshot_xmin(pg_current_snapshot()))
            ORDER BY transaction_id, position
            LIMIT $3
         ), batched AS (
           INSERT INTO ${BATCH_TABLE} SELECT ${BATCH_COLUMNS} FROM next e RETURNING transaction_id, position
         )
         SELECT count(*) OVER ()::text AS n, transaction_id::text, position::text
           FROM batched ORDER BY transaction_id DESC, position DESC LIMIT 1`,
        [checkpoint.transactionId, checkpoint.position, batchSize, beyondOpenTransactions],
      );
      if (!last) return false;
      await projectBatch(client, { entries });
      checkpoint = { transactionId: last.transaction_id, position: last.position };
      replayed += Number(last.n);
      return true;
    };
    const inTransaction = async <T>(work: () => Promise<T>): Promise<T> => {
      await client.query('BEGIN');
      const result = await work();
      await client.query('COMMIT');
      return result;
    };

    await client.query(`SET search_path TO ${SCRATCH}, public`);
    // Most of the log, a transaction per batch, while appends and the live projections carry on.
    while (await inTransaction(() => replayBatch('defer', false))) onProgress({ phase: 'replay', replayed, total });

    // Two connections share the finishing work (Postgres runs each statement on one core): each package's
    // changelog entries (the trigger computes their search documents as it does live) by halves of the packages,
    // then the indexes, a table's indexes on one connection.
    const helper = await pool.connect();
    try {
      await helper.query(`SET search_path TO ${SCRATCH}, public`);
      const both = async (step: string, jobs: [string[], string[]]) => {
        onProgress({ phase: 'finish', replayed, total, step });
        await Promise.all([client, helper].map(async (c, i) => {
          for (const sql of jobs[i]!) await c.query(sql);
        }));
      };
      await both('triggers', [extras.triggers, []]);
      const entriesOf = (half: number) =>
        insertEntriesSql(`SELECT registry, name, changelog_blob FROM ${SCRATCH}.packages WHERE changelog_blob IS NOT NULL AND hashtext(name) & 1 = ${half}`);
      await both('changelog entries and their search documents', [[entriesOf(0)], [entriesOf(1)]]);
      const onPackages = extras.indexes.filter((sql) => sql.includes(` ON ${SCRATCH}.packages `));
      await both('indexes', [onPackages, extras.indexes.filter((sql) => !onPackages.includes(sql))]);
      await both('foreign keys and statistics', [
        [...extras.foreignKeys, `ANALYZE ${SCRATCH}.packages`],
        [`ANALYZE ${SCRATCH}.releases`, `ANALYZE ${SCRATCH}.crawls`],
      ]);
    } finally {
      await helper.query('RESET search_path').catch(() => undefined);
      helper.release();
    }

    // What was appended meanwhile, now projected as the live path does (entries replaced batch by batch).
    while (await inTransaction(() => replayBatch('replace', false))) onProgress({ phase: 'replay', replayed, total });

    await client.query('BEGIN');
    // The tail, with appends held back: SHARE waits for open appending transactions to commit and blocks new
    // ones until the swap commits. With no append in flight every committed event can be read; the appends
    // held back project themselves into the swapped-in tables once they go ahead.
    await client.query('LOCK TABLE public.events IN SHARE MODE');
    onProgress({ phase: 'swap', replayed, total });
    while (await replayBatch('replace', true));
    // Readers wait here only for the renames; the old tables go with their schema.
    await client.query(`LOCK TABLE ${PROJECTION_TABLES.map((t) => `public.${t}`).join(', ')} IN ACCESS EXCLUSIVE MODE`);
    await client.query(`CREATE SCHEMA ${RETIRED}`);
    for (const table of PROJECTION_TABLES) await client.query(`ALTER TABLE public.${table} SET SCHEMA ${RETIRED}`);
    for (const table of PROJECTION_TABLES) await client.query(`ALTER TABLE ${SCRATCH}.${table} SET SCHEMA public`);
    await client.query(`DROP SCHEMA ${RETIRED} CASCADE`);
    await client.query(`DROP SCHEMA ${SCRATCH}`);
    await client.query('COMMIT');
    swapped = true;
    onProgress({ phase: 'done', replayed, total });
    return { replayed };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.query('RESET search_path').catch(() => undefined);
    if (!swapped) await client.query(`DROP SCHEMA IF EXISTS ${SCRATCH} CASCADE`).catch(() => undefined);
    await client.query('SELECT pg_advisory_unlock($1)', [REBUILD_LOCK]).catch(() => undefined);
    client.release();
  }
}

/**
 * The live tables' keys, indexes, foreign keys and triggers as statements on the scratch tables, under the same
 * names (a schema of their own keeps them apart until the swap). Read with `search_path` = public, so references
 * to other tables come unqualified and resolve to the scratch tables first when run.
 */
async function readExtras(client: PoolClient): Promise<TableExtras> {
  const tables = PROJECTION_TABLES.map((t) => `public.${t}`);
  const onScratch = (definition: string) => definition.replace(/ ON (?:public\.)?("[^"]+"|\w+) /, ` ON ${SCRATCH}.$1 `);
  const constraints = await client.query<{ table: string; name: string; kind: string; definition: string }>(
    `SELECT c.conrelid::regclass::text AS table, c.conname AS name, c.contype AS kind, pg_get_constraintdef(c.oid) AS definition
       FROM pg_constraint c
      WHERE c.conrelid = ANY ($1::regclass[]) AND c.contype IN ('p', 'u', 'f')
      ORDER BY array_position($1::regclass[], c.conrelid), c.contype DESC, c.conname`,
    [tables],
  );
  const addConstraint = (c: { table: string; name: string; definition: string }) =>
    `ALTER TABLE ${SCRATCH}.${c.table.replace(/^public\./, '')} ADD CONSTRAINT ${quoteIdent(c.name)} ${c.definition}`;
  const indexes = await client.query<{ definition: string }>(
    `SELECT pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
      WHERE i.indrelid = ANY ($1::regclass[]) AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
      ORDER BY array_position($1::regclass[], i.indrelid), i.indexrelid`,
    [tables],
  );
  const triggers = await client.query<{ definition: string }>(
    `SELECT pg_get_triggerdef(t.oid) AS definition FROM pg_trigger t
      WHERE t.tgrelid = ANY ($1::regclass[]) AND NOT t.tgisinternal
      ORDER BY array_position($1::regclass[], t.tgrelid), t.tgname`,
    [tables],
  );
  return {
    keys: constraints.rows.filter((c) => c.kind !== 'f').map(addConstraint),
    indexes: indexes.rows.map((r) => onScratch(r.definition)),
    foreignKeys: constraints.rows.filter((c) => c.kind === 'f').map(addConstraint),
    triggers: triggers.rows.map((r) => onScratch(r.definition)),
  };
}

async function createScratchTables(client: PoolClient, extras: TableExtras): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${SCRATCH} CASCADE`);
  await client.query(`DROP SCHEMA IF EXISTS ${RETIRED} CASCADE`);
  await client.query(`CREATE SCHEMA ${SCRATCH}`);
  for (const table of PROJECTION_TABLES) {
    // Columns with their defaults, generated expressions and checks; the keys now (the batches upsert on them),
    // everything else once the bulk is in.
    await client.query(
      `CREATE TABLE ${SCRATCH}.${table} (LIKE public.${table} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE)`,
    );
  }
  for (const key of extras.keys) await client.query(key);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
