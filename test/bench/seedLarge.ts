// `npm run seed:large`: a large, realistic event log in a database of its own, for the read-side benchmark.
//   npm run seed:large -- [--packages 300000] [--releases 1000000] [--seed 1] [--database changelogs_large]
//                         [--batch 1000] [--fresh]
// Crawl results from the simulators' scenario (test/support/generatedLog.ts: changelogs in the formats and sizes
// the simulators publish, parsed by the crawl's own parsing task) go through the product's append path: blobs stored
// by hash (storeBlobs), then each batch of results appended in one transaction (appendToStreams). The read models
// are then made once, by the projection rebuild (`changelogs projections rebuild`), instead of batch by batch: a
// package's changelog entries and search document are written once, not once for each of its releases (which made
// seeding a million releases take over an hour). Generating and parsing the next batch overlaps with Postgres
// writing the last one. The same options give the same log. A database already seeded with the same options is
// left as it is (the options are kept in its comment); --fresh drops it first.
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Pool } from 'pg';
import { appendToStreams } from '../../eventStore/appendBatch';
import { storeBlobs } from '../../eventStore/blobs';
import { dropDatabase, openDatabase } from '../../infra/db';
import { inTransaction } from '../../infra/db/transaction';
import { rebuildWithProgress } from '../../cli/projections';
import { progressBar } from '../../cli/replay';
import { type GeneratedCrawl, generatedLog } from '../support/generatedLog';

export interface SeedOptions {
  packages: number;
  releases: number;
  seed: number;
  database: string;
  batch: number;
  fresh: boolean;
}

export const SEED_DEFAULTS = { packages: '300000', releases: '1000000', seed: '1', database: 'changelogs_large', batch: '1000' };

/** The URL of database `name` on DATABASE_URL's server (or the local one). */
export function databaseUrlFor(name: string): string {
  const url = new URL(process.env.DATABASE_URL || `postgres://${process.env.PGUSER || os.userInfo().username}@127.0.0.1:5432/postgres`);
  url.pathname = `/${name}`;
  return url.toString();
}

function marker(options: SeedOptions): string {
  return `seed:large ${JSON.stringify({ packages: options.packages, releases: options.releases, seed: options.seed })}`;
}

/** Whether the database holds a finished seed made with these options. */
async function alreadySeeded(pool: Pool, options: SeedOptions): Promise<boolean> {
  const { rows } = await pool.query<{ comment: string | null }>('SELECT shobj_description(oid, \'pg_database\') AS comment FROM pg_database WHERE datname = current_database()');
  return rows[0]?.comment === marker(options);
}

/** Seeds (unless already seeded with the same options) and returns a pool on the database. */
export async function seedLarge(options: SeedOptions, log: (line: string) => void = console.log): Promise<Pool> {
  const url = databaseUrlFor(options.database);
  if (options.fresh) await dropDatabase(url);
  const pool = await openDatabase(url);
  if (await alreadySeeded(pool, options)) {
    log(`${options.database}: already seeded (${marker(options)})`);
    return pool;
  }
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM events');
  if (rows[0]!.n !== '0') {
    await pool.end();
    throw new Error(`${options.database} holds ${rows[0]!.n} events from another or an unfinished seed: run with --fresh to start it again`);
  }
  log(`seeding ${options.database}: about ${options.packages} packages, ${options.releases} releases (seed ${options.seed}), ${options.batch} results a transaction`);
  const bar = progressBar('seeding', 'releases');
  bar.start(options.releases, 0);
  const started = performance.now();
  let writing: Promise<void> = Promise.resolve();
  let released = 0;
  let events = 0;
  const write = async (batch: GeneratedCrawl[]) => {
    const blobs = new Map(batch.flatMap((c) => c.blobs).map((b) => [b.sha256, b]));
    await storeBlobs(pool, [...blobs.values()]);
    events += await inTransaction(pool, (client) => appendToStreams(client, batch.map((c) => c.append)));
  };
  try {
    let batch: GeneratedCrawl[] = [];
    for (const crawl of generatedLog(options)) {
      batch.push(crawl);
      released = crawl.released;
      if (batch.length >= options.batch) {
        const full = batch;
        batch = [];
        await writing;
        writing = write(full);
        writing.catch(() => undefined); // awaited before the next batch; this only marks it handled meanwhile
        bar.update(released);
      }
    }
    await writing;
    if (batch.length > 0) await write(batch);
    bar.update(released);
    bar.stop();
    const seconds = (performance.now() - started) / 1000;
    log(`appended ${events} events (${released} releases) in ${seconds.toFixed(1)} s: ${(events / seconds).toFixed(0)} events/s`);
    await rebuildWithProgress(pool, log);
    log('vacuum analyze…');
    await pool.query('VACUUM ANALYZE');
    await pool.query(`COMMENT ON DATABASE "${options.database}" IS '${marker(options).replace(/'/g, "''")}'`);
    return pool;
  } catch (err) {
    bar.stop();
    await writing.catch(() => undefined);
    await pool.end();
    throw err;
  }
}

export interface SizeReport {
  events: number;
  packages: number;
  releases: number;
  databaseBytes: number;
  tables: Record<string, number>;
  blobs: { stored: number; storedBytes: number; referenced: number; referencedBytes: number };
}

/** Postgres size of the data set, per release and per package, and how much storing blobs by hash saves. */
export async function sizeReport(pool: Pool): Promise<SizeReport> {
  const counts = await pool.query<{ events: string; packages: string; releases: string; bytes: string }>(
    `SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM packages) AS packages,
            (SELECT count(*) FROM releases) AS releases, pg_database_size(current_database()) AS bytes`,
  );
  const tables = await pool.query<{ table: string; bytes: string }>(
    `SELECT relname AS table, pg_total_relation_size(c.oid) AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 2 DESC`,
  );
  // Every blob a recorded result points at, counted once per result, against what is stored.
  const blobs = await pool.query<{ stored: string; stored_bytes: string; referenced: string; referenced_bytes: string }>(
    `WITH refs AS (
       SELECT data->'changelog'->>'rawSha256' AS sha256 FROM events WHERE type = 'ReleaseCrawled' AND jsonb_typeof(data->'changelog') = 'object'
       UNION ALL
       SELECT data->'changelog'->>'parsedSha256' FROM events WHERE type = 'ReleaseCrawled' AND jsonb_typeof(data->'changelog') = 'object'
     )
     SELECT (SELECT count(*) FROM blobs) AS stored, (SELECT coalesce(sum(size), 0) FROM blobs) AS stored_bytes,
            count(*) AS referenced, coalesce(sum(b.size), 0) AS referenced_bytes
       FROM refs JOIN blobs b USING (sha256)`,
  );
  const c = counts.rows[0]!;
  const b = blobs.rows[0]!;
  return {
    events: Number(c.events),
    packages: Number(c.packages),
    releases: Number(c.releases),
    databaseBytes: Number(c.bytes),
    tables: Object.fromEntries(tables.rows.map((r) => [r.table, Number(r.bytes)])),
    blobs: { stored: Number(b.stored), storedBytes: Number(b.stored_bytes), referenced: Number(b.referenced), referencedBytes: Number(b.referenced_bytes) },
  };
}

export function printSizeReport(report: SizeReport, log: (line: string) => void = console.log): void {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  log(`data set: ${report.events} events, ${report.packages} packages, ${report.releases} releases; Postgres ${mb(report.databaseBytes)}`);
  log(`  per release ${kb(report.databaseBytes / Math.max(1, report.releases))}, per package ${kb(report.databaseBytes / Math.max(1, report.packages))}`);
  log(`  tables (with indexes and TOAST): ${Object.entries(report.tables).map(([t, bytes]) => `${t} ${mb(bytes)}`).join(', ')}`);
  const { blobs } = report;
  log(
    `  blobs: ${blobs.referenced} referenced by results (${mb(blobs.referencedBytes)}), ${blobs.stored} stored (${mb(blobs.storedBytes)}): ` +
      `deduplication ratio ${(blobs.referencedBytes / Math.max(1, blobs.storedBytes)).toFixed(3)} by bytes, ${(blobs.referenced / Math.max(1, blobs.stored)).toFixed(3)} by count`,
  );
}

export function seedOptionsFrom(values: { packages?: string; releases?: string; seed?: string; database?: string; batch?: string; fresh?: boolean }): SeedOptions {
  const positive = (name: string, text: string | undefined, fallback: string) => {
    const n = Number(text ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, not "${text}"`);
    return n;
  };
  const database = values.database ?? SEED_DEFAULTS.database;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(database)) throw new Error(`--database must be a plain lower-case name, not "${database}"`);
  return {
    packages: positive('packages', values.packages, SEED_DEFAULTS.packages),
    releases: positive('releases', values.releases, SEED_DEFAULTS.releases),
    seed: positive('seed', values.seed, SEED_DEFAULTS.seed),
    database,
    batch: positive('batch', values.batch, SEED_DEFAULTS.batch),
    fresh: values.fresh ?? false,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      packages: { type: 'string' },
      releases: { type: 'string' },
      seed: { type: 'string' },
      database: { type: 'string' },
      batch: { type: 'string' },
      fresh: { type: 'boolean' },
    },
  });
  const options = seedOptionsFrom(values);
  const pool = await seedLarge(options);
  try {
    printSizeReport(await sizeReport(pool));
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
