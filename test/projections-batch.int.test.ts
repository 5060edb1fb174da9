// The batch projections (a rebuild, set-based statements per batch; the batch append) give exactly the read models
// that projecting each event as it is appended gives, on a generated log that exercises every projection rule.
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { appendAndProject } from '../eventStore/appendAndProject';
import { appendAndProjectBatch } from '../eventStore/appendBatch';
import { storeBlobs } from '../eventStore/blobs';
import { PROJECTION_TABLES, rebuildProjections, type RebuildProgress } from '../eventStore/rebuildProjections';
import { dropDatabase, openDatabase } from '../infra/db';
import { testAdminDatabaseUrl } from './support/env';
import { type GeneratedCrawl, generatedLog } from './support/generatedLog';

const KEYS: Record<(typeof PROJECTION_TABLES)[number], string> = {
  packages: 'registry, name',
  releases: 'registry, name, version',
  changelog_entries: 'registry, name, ordinal',
  crawls: 'workflow_id, run_id',
};

function databaseUrl(label: string): string {
  const url = new URL(testAdminDatabaseUrl());
  url.pathname = `/changelogs_test_batch_${label}_${randomBytes(3).toString('hex')}`;
  return url.toString();
}

/** Every row of every read model, search documents included, as JSON. */
async function snapshot(pool: Pool): Promise<Record<string, unknown[]>> {
  const tables: Record<string, unknown[]> = {};
  for (const table of PROJECTION_TABLES) {
    const { rows } = await pool.query<{ row: unknown }>(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY ${KEYS[table]}`);
    tables[table] = rows.map((r) => r.row);
  }
  return tables;
}

/** Indexes, constraints and triggers of the read models, by name and definition. */
async function structure(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ item: string }>(
    `SELECT 'index ' || indexname || ': ' || regexp_replace(indexdef, ' ON \\S+ ', ' ON ') AS item FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY ($1)
     UNION ALL
     SELECT 'constraint ' || conname || ': ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid::regclass::text = ANY ($1)
     UNION ALL
     SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgrelid::regclass::text = ANY ($1) AND NOT tgisinternal
     ORDER BY 1`,
    [PROJECTION_TABLES],
  );
  return rows.map((r) => r.item);
}

const crawls: GeneratedCrawl[] = [...generatedLog({ seed: 7, releases: 800, packages: 100 })];
const urls = { one: databaseUrl('one'), batch: databaseUrl('many') };
let one: Pool;
let batch: Pool;

beforeAll(async () => {
  [one, batch] = await Promise.all([openDatabase(urls.one), openDatabase(urls.batch)]);
});
afterAll(async () => {
  await Promise.all([one?.end(), batch?.end()]);
  await Promise.all([dropDatabase(urls.one), dropDatabase(urls.batch)]);
});

test('the generated log exercises every projection rule', () => {
  const events = crawls.flatMap((c) => c.append.events);
  const types = new Set(events.map((e) => e.type));
  expect(types).toEqual(new Set(['ReleaseCrawled', 'CrawlFailed', 'CrawlCancelled']));
  const crawled = events.flatMap((e) => (e.type === 'ReleaseCrawled' ? [e.data] : []));
  expect(new Set(crawled.map((d) => d.outcome))).toEqual(new Set(['found', 'not_found', 'rejected', 'not_published']));
  expect(crawled.some((d) => d.changelog && d.publishedAt === null)).toBe(true);
  // Results recorded out of publication order within a package (a late retry).
  const seen = new Map<string, string>();
  let outOfOrder = 0;
  for (const d of crawled) {
    const key = `${d.registry}:${d.name}`;
    if (d.publishedAt && (seen.get(key) ?? '') > d.publishedAt) outOfOrder++;
    if (d.publishedAt) seen.set(key, d.publishedAt > (seen.get(key) ?? '') ? d.publishedAt : seen.get(key)!);
  }
  expect(outOfOrder).toBeGreaterThan(0);
});

/**
 * Renumbers the transactions of the log, keeping their order, so that they span ids of two lengths (9999 < 10000,
 * though '9999' > '10000' as text): the largest power of ten that leaves room below the current id. All stay below
 * every open transaction, so readers see them as committed. Returns the power of ten.
 */
async function spanTransactionIdsOfTwoLengths(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ current: string; transactions: string }>(
    'SELECT pg_current_xact_id()::text AS current, (SELECT count(DISTINCT transaction_id) FROM events)::text AS transactions',
  );
  const [current, transactions] = [Number(rows[0]!.current), Number(rows[0]!.transactions)];
  const boundary = 10 ** Math.floor(Math.log10(current - transactions));
  if (boundary <= transactions) throw new Error(`transaction ids are too young (${current}) to renumber ${transactions} below them`);
  await pool.query(
    `UPDATE events e SET transaction_id = (($1::bigint - $2::bigint / 2 + m.rank)::text)::xid8
       FROM (SELECT transaction_id, dense_rank() OVER (ORDER BY transaction_id) AS rank FROM (SELECT DISTINCT transaction_id FROM events) t) m
      WHERE e.transaction_id = m.transaction_id`,
    [boundary, transactions],
  );
  return boundary;
}

test('a batch rebuild and batch appends give the read models that projecting event by event gives', async () => {
  // Event by event, as crawls record their results.
  for (const crawl of crawls) {
    await storeBlobs(one, crawl.blobs);
    await appendAndProject(one, crawl.append.streamId, crawl.append.events);
  }
  const live = await snapshot(one);
  const liveStructure = await structure(one);
  expect(live.packages!.length).toBeGreaterThan(60);
  expect(live.changelog_entries!.length).toBeGreaterThan(live.packages!.length);
  expect(live.packages!.filter((p) => (p as { changelog_document: unknown }).changelog_document !== null).length).toBeGreaterThan(30);

  // The same log appended in batches of 37 results, each batch projected by set-based statements.
  for (let i = 0; i < crawls.length; i += 37) {
    const slice = crawls.slice(i, i + 37);
    await storeBlobs(batch, slice.flatMap((c) => c.blobs));
    await appendAndProjectBatch(batch, slice.map((c) => c.append));
  }
  expect(await snapshot(batch)).toEqual(live);
  // Appending the same events again stores and changes nothing.
  expect(await appendAndProjectBatch(batch, crawls.slice(0, 50).map((c) => c.append))).toBe(0);
  expect(await snapshot(batch)).toEqual(live);

  // A rebuild from the log alone, in batches of 97 events, after the read models were damaged.
  await one.query(`UPDATE packages SET summary = 'tampered', changelog_blob = NULL`);
  await one.query(`DELETE FROM crawls WHERE registry = 'pypi'`);
  await one.query(`DELETE FROM changelog_entries WHERE ordinal = 0`);
  expect(await snapshot(one)).not.toEqual(live);
  // The log's transaction ids now span ids of two lengths (the rebuild once ordered its checkpoint by their text,
  // and read some batches twice).
  const boundary = await spanTransactionIdsOfTwoLengths(one);
  const { rows: span } = await one.query<{ first: string; last: string }>('SELECT min(transaction_id)::text AS first, max(transaction_id)::text AS last FROM events');
  expect(Number(span[0]!.first)).toBeLessThan(boundary);
  expect(Number(span[0]!.last)).toBeGreaterThanOrEqual(boundary);
  const progress: RebuildProgress[] = [];
  const { replayed } = await rebuildProjections(one, { batchSize: 97, onProgress: (p) => progress.push(p) });
  expect(replayed).toBe(crawls.reduce((n, c) => n + c.append.events.length, 0));
  expect(progress.filter((p) => p.phase === 'replay').length).toBeGreaterThan(5);
  expect(progress.some((p) => p.phase === 'finish')).toBe(true);
  expect(progress.at(-1)).toMatchObject({ phase: 'done', replayed });
  expect(await snapshot(one)).toEqual(live);
  // The swapped-in tables have the live ones' indexes, constraints and triggers, under the same names.
  expect(await structure(one)).toEqual(liveStructure);
  const { rows } = await one.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'projections_%'`);
  expect(rows).toEqual([]);

  // The triggers work on the swapped-in tables: a new result is projected and searchable.
  const [next] = [...generatedLog({ seed: 8, releases: 40, packages: 5 })].filter((c) => c.final && c.append.events[0]!.type === 'ReleaseCrawled' && (c.append.events[0]!.data as { changelog: unknown }).changelog);
  await storeBlobs(one, next!.blobs);
  await appendAndProject(one, next!.append.streamId, next!.append.events);
  const { registry, name, version } = next!.append.events[0]!.data;
  const { rows: projected } = await one.query(
    `SELECT r.outcome, p.changelog_document IS NOT NULL AS indexed FROM releases r JOIN packages p USING (registry, name)
      WHERE r.registry = $1 AND r.name = $2 AND r.version = $3`,
    [registry, name, version],
  );
  expect(projected).toEqual([{ outcome: 'found', indexed: true }]);
});
