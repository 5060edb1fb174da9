// Rebuilds the read models from the log into fresh tables in a scratch schema, a batch of events at a time with
// set-based statements (projectBatch), while the live tables keep serving; then swaps the fresh tables in by
// renaming, in one short transaction.
//
// The scratch tables start with their columns and primary keys only, and packages are folded in a plain copy of
// their table, without the generated search columns. Changelog entries, each package's row with its search documents
// (by the same SQL functions the live triggers use), the other indexes, foreign keys and triggers come once, after
// the bulk of the log, instead of being maintained batch by batch. Whatever was appended meanwhile is then projected
// the live way, and the last of it with appends held back, right before the swap.
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../infra/db/transaction';
import { LOG_START, type LogPosition } from './logPosition';
import { BATCH_COLUMNS, BATCH_TABLE, insertEntriesSql, prepareBatchTable, projectBatch } from './projections/projectBatch';

/** The read models, parents before children (changelog_entries references packages). */
export const PROJECTION_TABLES = ['packages', 'releases', 'changelog_entries', 'crawls'] as const;

const SCRATCH = 'projections_rebuild';
const RETIRED = 'projections_retired';
/**
 * Where the replay folds the packages: a plain copy of the table, without its generated search columns, which
 * Postgres would compute again at every write of a row (a package is written once per batch that touches it).
 */
const FOLD = 'projections_fold';
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
  /** The columns of packages that are written, but for changelog_document (the rest are generated). */
  packageColumns: string[];
  keys: string[];
  /** With the live index's size, to share the builds out. */
  indexes: { sql: string; bytes: number }[];
  foreignKeys: string[];
  triggers: string[];
}

export async function rebuildProjections(pool: Pool, options: RebuildOptions = {}): Promise<{ replayed: number }> {
  const { batchSize = 20_000, onProgress = () => undefined } = options;
  const client = await pool.connect();
  let helper: PoolClient | undefined;
  let swapped = false;
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [REBUILD_LOCK]);
    if (!rows[0]?.locked) throw new Error('another projections rebuild is running');
    await client.query('SET search_path TO public');
    const extras = await readExtras(client);
    await createScratchTables(client, extras);
    const total = Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]!.n);
    let replayed = 0;

    // Postgres runs each statement on one core, so two connections share the work, each with half of the packages
    // (by a hash of the name) from the start of the log to its end: every row of every read model belongs to one
    // package, so the halves never touch the same row, and each half is folded in log order as the live path does.
    const halves: Half[] = [0, 1].map((half) => ({ half, checkpoint: LOG_START }));
    /** Projects the next batch of a half into the tables `search_path` finds; false when there was none. */
    const replayBatch = async (c: PoolClient, h: Half, entries: 'defer' | 'replace', beyondOpenTransactions: boolean): Promise<boolean> => {
      await prepareBatchTable(c);
      // The batch table holds one batch at a time (the swap's batches share one transaction, which does not empty it).
      await c.query(`DELETE FROM ${BATCH_TABLE}`);
      // Each half reads the log in windows of `batchSize` events in log order (through the (transaction_id,
      // position) index) and keeps its own packages' events: a condition on the hash inside the ordered scan makes
      // the planner, which cannot estimate it, prefer sorting the whole table for every batch. The checkpoint is the
      // window's last event, ordered by the xid8 and bigint columns themselves (ordering by their text, as an output
      // column of the same name would, puts transaction 999 after 1001).
      const { rows: [last] } = await c.query<{ n: string; last_transaction_id: string; last_position: string }>(
        `WITH next AS MATERIALIZED (
           SELECT * FROM events
            WHERE (transaction_id, position) > ($1::xid8, $2::bigint)
              AND ($4 OR transaction_id < pg_snapshot_xmin(pg_current_snapshot()))
            ORDER BY transaction_id, position
            LIMIT $3
         ), batched AS (
           INSERT INTO ${BATCH_TABLE} SELECT ${BATCH_COLUMNS} FROM next e WHERE hashtext(e.data->>'name') & 1 = $5 RETURNING 1
         )
         SELECT (SELECT count(*) FROM batched)::text AS n, w.transaction_id::text AS last_transaction_id, w.position::text AS last_position
           FROM next w ORDER BY w.transaction_id DESC, w.position DESC LIMIT 1`,
        [h.checkpoint.transactionId, h.checkpoint.position, batchSize, beyondOpenTransactions, h.half],
      );
      if (!last) return false;
      if (last.n !== '0') await projectBatch(c, { entries });
      h.checkpoint = { transactionId: last.last_transaction_id, position: last.last_position };
      replayed += Number(last.n);
      return true;
    };
    helper = await pool.connect();
    const connections = [client, helper];
    // No JIT: it compiles each batch's statements again (tens of ms) for work that takes about as long.
    for (const c of connections) {
      await c.query(`SET search_path TO ${FOLD}, ${SCRATCH}, public; SET jit = off`);
      // Large values (search documents, entries' HTML) compressed with LZ4 where the server has it: several times
      // faster to compress than the default pglz, read the same way; the live path keeps the server's default.
      await c.query(`SET default_toast_compression = 'lz4'`).catch(() => undefined);
    }
    // Most of the log, a transaction per batch, while appends and the live projections carry on.
    onProgress({ phase: 'replay', replayed, total });
    await Promise.all(
      halves.map(async (h, i) => {
        const c = connections[i]!;
        while (await inTransaction(c, () => replayBatch(c, h, 'defer', false))) onProgress({ phase: 'replay', replayed, total });
      }),
    );

    // The two connections share the finishing work too, by the same halves of the packages: each package's changelog
    // entries, then each package written into the fresh table once, its changelog's search document computed as
    // the triggers compute it live (the same SQL functions); then the triggers, the indexes (shared out by size),
    // the foreign keys and statistics. Index builds get more memory than a session's default (GIN builds in far
    // fewer passes).
    const both = async (step: string, jobs: [string[], string[]]) => {
      onProgress({ phase: 'finish', replayed, total, step });
      await Promise.all(connections.map(async (c, i) => {
        for (const sql of jobs[i]!) await c.query(sql);
      }));
    };
    for (const c of connections) await c.query(`SET search_path TO ${SCRATCH}, public`);
    const half = (h: number) => `hashtext(name) & 1 = ${h}`;
    const entriesOf = (h: number) => insertEntriesSql(`SELECT registry, name, changelog_blob FROM ${FOLD}.packages WHERE changelog_blob IS NOT NULL AND ${half(h)}`);
    await both('changelog entries', [[entriesOf(0)], [entriesOf(1)]]);
    const columns = extras.packageColumns.map(quoteIdent).join(', ');
    const packagesOf = (h: number) =>
      `INSERT INTO ${SCRATCH}.packages (${columns}, changelog_document)
       SELECT ${columns}, changelog_document(changelog_entries_text(registry, name)) FROM ${FOLD}.packages WHERE ${half(h)}`;
    await both('packages and their search documents', [[packagesOf(0)], [packagesOf(1)]]);
    await both('triggers', [[`DROP SCHEMA ${FOLD} CASCADE`, ...extras.triggers], []]);
    // The largest index first, each on the connection with less to build so far (by the live indexes' sizes).
    const shares: [string[], string[]] = [[], []];
    const load = [0, 0];
    for (const index of [...extras.indexes].sort((a, b) => b.bytes - a.bytes)) {
      const i = load[0]! <= load[1]! ? 0 : 1;
      shares[i].push(index.sql);
      load[i]! += index.bytes;
    }
    const withMemory = (sqls: string[]) => [`SET maintenance_work_mem = '${INDEX_BUILD_MEMORY}'`, ...sqls, 'RESET maintenance_work_mem'];
    await both('indexes', [withMemory(shares[0]), withMemory(shares[1])]);
    // The entries' foreign key (the largest table) on one connection, the others on the second; two keys to the
    // same table would wait for each other. Each table's statistics after its keys are checked.
    const entriesKeys = extras.foreignKeys.filter((sql) => sql.startsWith(`ALTER TABLE ${SCRATCH}.changelog_entries `));
    await both('foreign keys and statistics', [
      [...entriesKeys, `ANALYZE ${SCRATCH}.crawls`],
      [...extras.foreignKeys.filter((sql) => !entriesKeys.includes(sql)), `ANALYZE ${SCRATCH}.packages`, `ANALYZE ${SCRATCH}.releases`],
    ]);
    await helper.query('RESET search_path; RESET jit; RESET default_toast_compression');
    helper.release();
    helper = undefined;

    // What was appended meanwhile, now projected as the live path does (entries replaced batch by batch).
    for (const h of halves) while (await inTransaction(client, () => replayBatch(client, h, 'replace', false))) onProgress({ phase: 'replay', replayed, total });

    await inTransaction(client, async () => {
      // The tail, with appends held back: SHARE waits for open appending transactions to commit and blocks new
      // ones until the swap commits. With no append in flight every committed event can be read; the appends
      // held back project themselves into the swapped-in tables once they go ahead.
      await client.query('LOCK TABLE public.events IN SHARE MODE');
      onProgress({ phase: 'swap', replayed, total });
      for (const h of halves) while (await replayBatch(client, h, 'replace', true));
      // Readers wait here only for the renames; the old tables go with their schema.
      await client.query(`LOCK TABLE ${PROJECTION_TABLES.map((t) => `public.${t}`).join(', ')} IN ACCESS EXCLUSIVE MODE`);
      await client.query(`CREATE SCHEMA ${RETIRED}`);
      for (const table of PROJECTION_TABLES) await client.query(`ALTER TABLE public.${table} SET SCHEMA ${RETIRED}`);
      for (const table of PROJECTION_TABLES) await client.query(`ALTER TABLE ${SCRATCH}.${table} SET SCHEMA public`);
      await client.query(`DROP SCHEMA ${RETIRED} CASCADE`);
      await client.query(`DROP SCHEMA ${SCRATCH}`);
    });
    swapped = true;
    onProgress({ phase: 'done', replayed, total });
    return { replayed };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (helper) {
      await helper.query('ROLLBACK').catch(() => undefined);
      await helper.query('RESET ALL').catch(() => undefined);
      helper.release();
    }
    throw err;
  } finally {
    await client.query('RESET search_path; RESET jit; RESET default_toast_compression').catch(() => undefined);
    if (!swapped) await client.query(`DROP SCHEMA IF EXISTS ${SCRATCH} CASCADE; DROP SCHEMA IF EXISTS ${FOLD} CASCADE`).catch(() => undefined);
    await client.query('SELECT pg_advisory_unlock($1)', [REBUILD_LOCK]).catch(() => undefined);
    client.release();
  }
}

/** One of the two halves of the packages the rebuild replays side by side, and how far it has read the log. */
interface Half {
  half: number;
  checkpoint: LogPosition;
}

/** Memory for building the fresh tables' indexes (a session's default is 64 MB). */
const INDEX_BUILD_MEMORY = '256MB';

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
  const indexes = await client.query<{ definition: string; bytes: string }>(
    `SELECT pg_get_indexdef(i.indexrelid) AS definition, pg_relation_size(i.indexrelid) AS bytes
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
  const columns = await client.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute
      WHERE attrelid = 'public.packages'::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' AND attname <> 'changelog_document'
      ORDER BY attnum`,
  );
  return {
    packageColumns: columns.rows.map((r) => r.name),
    keys: constraints.rows.filter((c) => c.kind !== 'f').map(addConstraint),
    indexes: indexes.rows.map((r) => ({ sql: onScratch(r.definition), bytes: Number(r.bytes) })),
    foreignKeys: constraints.rows.filter((c) => c.kind === 'f').map(addConstraint),
    triggers: triggers.rows.map((r) => onScratch(r.definition)),
  };
}

async function createScratchTables(client: PoolClient, extras: TableExtras): Promise<void> {
  for (const schema of [SCRATCH, RETIRED, FOLD]) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.query(`CREATE SCHEMA ${SCRATCH}`);
  for (const table of PROJECTION_TABLES) {
    // Columns with their defaults, generated expressions and checks; the keys now (the batches upsert on them),
    // everything else once the bulk is in.
    await client.query(
      `CREATE TABLE ${SCRATCH}.${table} (LIKE public.${table} INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE)`,
    );
  }
  // Storage parameters an operator set (fillfactor, autovacuum settings): LIKE copies none.
  const { rows } = await client.query<{ table: string; options: string[] }>(
    `SELECT relname AS table, reloptions AS options FROM pg_class WHERE oid = ANY ($1::regclass[]) AND reloptions IS NOT NULL`,
    [PROJECTION_TABLES.map((t) => `public.${t}`)],
  );
  for (const { table, options } of rows) await client.query(`ALTER TABLE ${SCRATCH}.${quoteIdent(table)} SET (${options.join(', ')})`);
  for (const key of extras.keys) await client.query(key);
  // Without INCLUDING GENERATED, generated columns are copied as plain ones (left empty); keyed as projectBatch upserts.
  await client.query(`CREATE SCHEMA ${FOLD}`);
  await client.query(`CREATE UNLOGGED TABLE ${FOLD}.packages (LIKE public.packages INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (registry, name))`);
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
