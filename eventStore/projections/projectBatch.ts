// The read models kept in step with the log a batch at a time: a handful of set-based statements per batch,
// whatever its size, with the same result as projectEvent applied to each event in log order (the
// projection-equivalence test compares them table by table). The batch append and the projection rebuild use it.
//
// The batch sits in a temporary table (`pg_temp.projection_batch`, emptied at commit); each statement folds what
// the batch says about one row of a read model into that row, as the event-by-event rules would:
// - crawls: the run's last event sets outcome, end, error and position; the first its release and start;
// - packages: the last non-null latest version and summary win, updated_at is the latest end;
// - the changelog a package shows (projectEvent's showChangelogIfNewest): an event replaces the shown one when
//   either has no publication date or the shown one is not newer. Folded over a batch: after the batch's last
//   undated changelog (if any) the newest-published later one wins, ties to the later event, whatever was shown
//   before; with no undated one, the batch's newest-published wins if it is not older than the shown one;
// - releases: the last ReleaseCrawled overwrites the row; failed and cancelled runs only write a row that holds
//   no result (the first sets its workflow id, the last its outcome).
import type { PoolClient } from 'pg';

export const BATCH_TABLE = 'pg_temp.projection_batch';

const EVENT_TYPES = ['ReleaseCrawled', 'CrawlFailed', 'CrawlCancelled'];

/** Creates the session's batch table if needed. Call inside the transaction that fills it. */
export async function prepareBatchTable(client: PoolClient): Promise<void> {
  // IF NOT EXISTS answers with a notice once the connection has it; checking the catalog first keeps it quiet.
  const { rows } = await client.query(`SELECT 1 FROM pg_class WHERE oid = to_regclass('${BATCH_TABLE}')`);
  if (rows.length > 0) return;
  await client.query(
    `CREATE TEMP TABLE projection_batch (
       ord            bigint      NOT NULL,
       transaction_id xid8        NOT NULL,
       position       bigint      NOT NULL,
       type           text        NOT NULL,
       registry       text,
       name           text,
       version        text,
       outcome        text,
       published_at   timestamptz,
       latest_version text,
       summary        text,
       changelog      jsonb,
       error          text,
       workflow_id    text,
       run_id         text,
       started_at     timestamptz,
       finished_at    timestamptz
     ) ON COMMIT DELETE ROWS`,
  );
}

/**
 * The SELECT list that turns rows of `events` (aliased `e`) into rows of the batch table, `ord` being the
 * event's rank in log order. Callers add the FROM and WHERE.
 */
export const BATCH_COLUMNS = `
  row_number() OVER (ORDER BY e.transaction_id, e.position), e.transaction_id, e.position, e.type,
  e.data->>'registry', e.data->>'name', e.data->>'version',
  CASE e.type WHEN 'ReleaseCrawled' THEN e.data->>'outcome' WHEN 'CrawlFailed' THEN 'failed' WHEN 'CrawlCancelled' THEN 'cancelled' END,
  (e.data->>'publishedAt')::timestamptz, e.data->>'latestVersion', e.data->>'summary',
  CASE WHEN jsonb_typeof(e.data->'changelog') = 'object' THEN e.data->'changelog' END,
  CASE e.type WHEN 'ReleaseCrawled' THEN e.data->>'reason' WHEN 'CrawlFailed' THEN e.data->>'error' END,
  e.data->'crawl'->>'workflowId', e.data->'crawl'->>'runId', (e.data->'crawl'->>'startedAt')::timestamptz,
  (e.data->>'finishedAt')::timestamptz`;

/** Each package of the batch: its last non-null latest version and summary, its latest crawl end. */
const TOUCHED = `
  SELECT registry, name,
         (array_agg(latest_version ORDER BY ord DESC) FILTER (WHERE latest_version IS NOT NULL))[1] AS latest_version,
         (array_agg(summary ORDER BY ord DESC) FILTER (WHERE summary IS NOT NULL))[1] AS summary,
         max(finished_at) AS updated_at
    FROM ${BATCH_TABLE}
   GROUP BY registry, name`;

/** The changelog each package of the batch would show, and whether it replaces the shown one whatever its date. */
const OFFERED_AND_WINNER = `
  offered AS (
    SELECT registry, name, ord, version, published_at, changelog,
           max(ord) FILTER (WHERE published_at IS NULL) OVER (PARTITION BY registry, name) AS last_undated
      FROM ${BATCH_TABLE}
     WHERE type = 'ReleaseCrawled' AND changelog IS NOT NULL
  ), winner AS (
    SELECT DISTINCT ON (registry, name) *, last_undated IS NOT NULL AS unconditional
      FROM offered
     WHERE last_undated IS NULL OR ord >= last_undated
     ORDER BY registry, name, published_at DESC NULLS LAST, ord DESC
  )`;

export interface ProjectBatchOptions {
  /**
   * `replace`: a package whose shown changelog changed gets that changelog's entries now (the live path).
   * `defer`: only packages.changelog_* move; the rebuild writes every package's entries once, at its end,
   * instead of once per batch that changes them. Only for tables no other session writes (the rebuild's).
   */
  entries: 'replace' | 'defer';
}

/** Projects the events in the batch table into the read models (the tables `search_path` finds). */
export async function projectBatch(client: PoolClient, options: ProjectBatchOptions): Promise<void> {
  const unknown = await client.query<{ type: string }>(`SELECT DISTINCT type FROM ${BATCH_TABLE} WHERE type <> ALL ($1::text[])`, [EVENT_TYPES]);
  if (unknown.rows.length > 0) throw new Error(`no projection for event type ${unknown.rows.map((r) => r.type).join(', ')}`);

  await client.query(
    `INSERT INTO crawls (workflow_id, run_id, registry, name, version, outcome, started_at, finished_at, error, position)
     SELECT DISTINCT ON (workflow_id, run_id) workflow_id, run_id, first_registry, first_name, first_version, outcome, first_started_at, finished_at, error, position
       FROM (SELECT b.*,
                    first_value(registry) OVER run AS first_registry, first_value(name) OVER run AS first_name,
                    first_value(version) OVER run AS first_version, first_value(started_at) OVER run AS first_started_at
               FROM ${BATCH_TABLE} b
             WINDOW run AS (PARTITION BY workflow_id, run_id ORDER BY ord)) b
      ORDER BY workflow_id, run_id, ord DESC
     ON CONFLICT (workflow_id, run_id) DO UPDATE
       SET outcome = excluded.outcome, finished_at = excluded.finished_at, error = excluded.error, position = excluded.position`,
  );

  if (options.entries === 'defer') {
    // The rebuild's tables are written by this session alone, so the changelog each package shows can be decided
    // against the row as this statement reads it, and every package row written once per batch.
    await client.query(
      `WITH ${OFFERED_AND_WINNER}, touched AS (${TOUCHED})
       INSERT INTO packages (registry, name, latest_version, summary, updated_at, changelog_version, changelog_published_at,
                             changelog_file, changelog_source_url, changelog_format, changelog_blob)
       SELECT t.registry, t.name, t.latest_version, t.summary, t.updated_at,
              CASE WHEN a.shown THEN w.version ELSE p.changelog_version END,
              CASE WHEN a.shown THEN w.published_at ELSE p.changelog_published_at END,
              CASE WHEN a.shown THEN w.changelog->>'fileName' ELSE p.changelog_file END,
              CASE WHEN a.shown THEN w.changelog->>'sourceUrl' ELSE p.changelog_source_url END,
              CASE WHEN a.shown THEN w.changelog->>'format' ELSE p.changelog_format END,
              CASE WHEN a.shown THEN w.changelog->>'parsedSha256' ELSE p.changelog_blob END
         FROM touched t
         LEFT JOIN winner w ON (w.registry, w.name) = (t.registry, t.name)
         LEFT JOIN packages p ON (p.registry, p.name) = (t.registry, t.name),
         LATERAL (SELECT w.registry IS NOT NULL AND (w.unconditional OR p.changelog_published_at IS NULL OR p.changelog_published_at <= w.published_at) AS shown) a
       ON CONFLICT (registry, name) DO UPDATE
         SET latest_version = coalesce(excluded.latest_version, packages.latest_version),
             summary = coalesce(excluded.summary, packages.summary),
             updated_at = greatest(packages.updated_at, excluded.updated_at),
             changelog_version = excluded.changelog_version, changelog_published_at = excluded.changelog_published_at,
             changelog_file = excluded.changelog_file, changelog_source_url = excluded.changelog_source_url,
             changelog_format = excluded.changelog_format, changelog_blob = excluded.changelog_blob`,
    );
  } else {
    await client.query(
      `INSERT INTO packages (registry, name, latest_version, summary, updated_at) ${TOUCHED}
       ON CONFLICT (registry, name) DO UPDATE
         SET latest_version = coalesce(excluded.latest_version, packages.latest_version),
             summary = coalesce(excluded.summary, packages.summary),
             updated_at = greatest(packages.updated_at, excluded.updated_at)`,
    );
    // Another transaction may change the package meanwhile: the condition is checked on the row as it is locked.
    const shown = await client.query<{ registry: string; name: string; changelog_blob: string }>(
      `WITH ${OFFERED_AND_WINNER}
       UPDATE packages p
          SET changelog_version = w.version, changelog_published_at = w.published_at, changelog_file = w.changelog->>'fileName',
              changelog_source_url = w.changelog->>'sourceUrl', changelog_format = w.changelog->>'format',
              changelog_blob = w.changelog->>'parsedSha256'
         FROM winner w
        WHERE p.registry = w.registry AND p.name = w.name
          AND (w.unconditional OR p.changelog_published_at IS NULL OR p.changelog_published_at <= w.published_at)
       RETURNING p.registry, p.name, p.changelog_blob`,
    );
    if (shown.rows.length > 0) await replaceEntries(client, shown.rows);
  }

  await client.query(
    `INSERT INTO releases (registry, name, version, outcome, published_at, crawled_at, workflow_id, changelog_file, parsed_blob, reason)
     SELECT DISTINCT ON (registry, name, version) registry, name, version, outcome, published_at, finished_at, workflow_id,
            changelog->>'fileName', changelog->>'parsedSha256', error
       FROM ${BATCH_TABLE}
      WHERE type = 'ReleaseCrawled'
      ORDER BY registry, name, version, ord DESC
     ON CONFLICT (registry, name, version) DO UPDATE
       SET outcome = excluded.outcome, published_at = excluded.published_at, crawled_at = excluded.crawled_at,
           workflow_id = excluded.workflow_id, changelog_file = excluded.changelog_file,
           parsed_blob = excluded.parsed_blob, reason = excluded.reason`,
  );
  await client.query(
    `INSERT INTO releases (registry, name, version, outcome, crawled_at, workflow_id, reason)
     SELECT DISTINCT ON (registry, name, version) registry, name, version, outcome, finished_at, first_workflow_id, error
       FROM (SELECT b.*, first_value(workflow_id) OVER (PARTITION BY registry, name, version ORDER BY ord) AS first_workflow_id
               FROM ${BATCH_TABLE} b
              WHERE type <> 'ReleaseCrawled'
                AND NOT EXISTS (SELECT FROM ${BATCH_TABLE} c
                                 WHERE c.type = 'ReleaseCrawled' AND (c.registry, c.name, c.version) = (b.registry, b.name, b.version))) b
      ORDER BY registry, name, version, ord DESC
     ON CONFLICT (registry, name, version) DO UPDATE
       SET outcome = excluded.outcome, crawled_at = excluded.crawled_at, reason = excluded.reason
       WHERE releases.outcome IN ('failed', 'cancelled')`,
  );
}

/** The entries of the changelogs packages now show, in place of the ones they showed (the triggers index them). */
async function replaceEntries(client: PoolClient, shown: { registry: string; name: string; changelog_blob: string }[]): Promise<void> {
  const keys = JSON.stringify(shown);
  const missing = await client.query<{ sha256: string }>(
    `SELECT k.changelog_blob AS sha256 FROM jsonb_to_recordset($1::jsonb) AS k(changelog_blob text)
      WHERE NOT EXISTS (SELECT FROM blobs WHERE blobs.sha256 = k.changelog_blob) LIMIT 1`,
    [keys],
  );
  if (missing.rows[0]) throw new Error(`parsed changelog blob ${missing.rows[0].sha256} is missing`);
  await client.query(
    `DELETE FROM changelog_entries e USING jsonb_to_recordset($1::jsonb) AS k(registry text, name text)
      WHERE e.registry = k.registry AND e.name = k.name`,
    [keys],
  );
  await client.query(insertEntriesSql('SELECT * FROM jsonb_to_recordset($1::jsonb) AS k(registry text, name text, changelog_blob text)'), [keys]);
}

/**
 * Inserts the entries of the parsed changelogs that `source` (a query of registry, name, changelog_blob) names:
 * one statement for a whole batch, or for every package at the end of a rebuild. The blob is read as `json`, not
 * `jsonb`: each entry's fields are taken once from the text instead of the whole changelog being converted first
 * (a fifth less CPU for the entries of a rebuild; the blobs are JSON.stringify's output, so the readings agree).
 */
export function insertEntriesSql(source: string): string {
  return `INSERT INTO changelog_entries (registry, name, ordinal, version, date, title, body, html, sections, unreleased, yanked, prerelease)
  SELECT k.registry, k.name, e.ord - 1, e.version, e.date::date, e.title, e.body, coalesce(e.html, ''), e.sections, e.unreleased, e.yanked, e.prerelease
    FROM (${source}) k
    JOIN blobs b ON b.sha256 = k.changelog_blob,
         ROWS FROM (json_to_recordset(convert_from(b.content, 'UTF8')::json -> 'entries')
           AS (version text, date text, title text, body text, html text, sections jsonb, unreleased boolean, yanked boolean, prerelease boolean))
           WITH ORDINALITY AS e(version, date, title, body, html, sections, unreleased, yanked, prerelease, ord)`;
}
