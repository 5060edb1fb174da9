// Keeps the read models in step with the log. Runs in the transaction that appended the event, and again
// over the whole log when projections are rebuilt, so it must depend only on the event and earlier state.
import type { PoolClient } from 'pg';
import type { ChangelogRef } from '../../workflows/types';
import type { CrawlCancelled, CrawlFailed, ReleaseCrawled, StoredEvent } from '../events';
import { readBlob } from '../blobs';

export async function projectEvent(client: PoolClient, event: StoredEvent): Promise<void> {
  switch (event.type) {
    case 'ReleaseCrawled':
      return projectReleaseCrawled(client, event);
    case 'CrawlFailed':
      return projectCrawlFailed(client, event);
    case 'CrawlCancelled':
      return projectCrawlCancelled(client, event);
    default:
      // `satisfies never`: a new event type fails to compile here until it has a projection.
      return noProjection(event satisfies never);
  }
}

function noProjection(event: { type: string }): never {
  throw new Error(`no projection for event type ${event.type}`);
}

async function recordCrawl(client: PoolClient, event: StoredEvent, outcome: string, error: string | null) {
  const d = event.data;
  await client.query(
    `INSERT INTO crawls (workflow_id, run_id, registry, name, version, outcome, started_at, finished_at, error, position)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (workflow_id, run_id) DO UPDATE
       SET outcome = excluded.outcome, finished_at = excluded.finished_at, error = excluded.error, position = excluded.position`,
    [d.crawl.workflowId, d.crawl.runId, d.registry, d.name, d.version, outcome, d.crawl.startedAt, d.finishedAt, error, event.position],
  );
}

async function touchPackage(client: PoolClient, d: { registry: string; name: string; finishedAt: string }, latest: string | null, summary: string | null) {
  await client.query(
    `INSERT INTO packages (registry, name, latest_version, summary, updated_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (registry, name) DO UPDATE
       SET latest_version = coalesce(excluded.latest_version, packages.latest_version),
           summary = coalesce(excluded.summary, packages.summary),
           updated_at = greatest(packages.updated_at, excluded.updated_at)`,
    [d.registry, d.name, latest, summary, d.finishedAt],
  );
}

async function projectReleaseCrawled(client: PoolClient, event: StoredEvent<ReleaseCrawled>): Promise<void> {
  const d = event.data;
  await recordCrawl(client, event, d.outcome, d.reason);
  await touchPackage(client, d, d.latestVersion, d.summary);
  await client.query(
    `INSERT INTO releases (registry, name, version, outcome, published_at, crawled_at, workflow_id, changelog_file, parsed_blob, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (registry, name, version) DO UPDATE
       SET outcome = excluded.outcome, published_at = excluded.published_at, crawled_at = excluded.crawled_at,
           workflow_id = excluded.workflow_id, changelog_file = excluded.changelog_file,
           parsed_blob = excluded.parsed_blob, reason = excluded.reason`,
    [d.registry, d.name, d.version, d.outcome, d.publishedAt, d.finishedAt, d.crawl.workflowId,
      d.changelog?.fileName ?? null, d.changelog?.parsedSha256 ?? null, d.reason],
  );
  if (d.changelog) await showChangelogIfNewest(client, d, d.changelog);
}

/** The package page shows the changelog of its most recently published crawled release. */
async function showChangelogIfNewest(client: PoolClient, d: ReleaseCrawled['data'], changelog: ChangelogRef): Promise<void> {
  const { rowCount } = await client.query(
    `UPDATE packages
        SET changelog_version = $3, changelog_published_at = $4, changelog_file = $5, changelog_source_url = $6,
            changelog_format = $7, changelog_blob = $8
      WHERE registry = $1 AND name = $2
        AND (changelog_published_at IS NULL OR $4::timestamptz IS NULL OR changelog_published_at <= $4::timestamptz)`,
    [d.registry, d.name, d.version, d.publishedAt, changelog.fileName, changelog.sourceUrl, changelog.format, changelog.parsedSha256],
  );
  if (!rowCount) return;
  const parsed = await readBlob(client, changelog.parsedSha256);
  if (!parsed) throw new Error(`parsed changelog blob ${changelog.parsedSha256} is missing`);
  await client.query('DELETE FROM changelog_entries WHERE registry = $1 AND name = $2', [d.registry, d.name]);
  await client.query(
    `INSERT INTO changelog_entries (registry, name, ordinal, version, date, title, body, html, sections, unreleased, yanked, prerelease)
     SELECT $1, $2, e.ord - 1, e.version, e.date::date, e.title, e.body, coalesce(e.html, ''), e.sections, e.unreleased, e.yanked, e.prerelease
     FROM ROWS FROM (jsonb_to_recordset(convert_from($3, 'UTF8')::jsonb -> 'entries')
       AS (version text, date text, title text, body text, html text, sections jsonb, unreleased boolean, yanked boolean, prerelease boolean))
       WITH ORDINALITY AS e(version, date, title, body, html, sections, unreleased, yanked, prerelease, ord)`,
    [d.registry, d.name, parsed],
  );
}

async function projectCrawlFailed(client: PoolClient, event: StoredEvent<CrawlFailed>): Promise<void> {
  await projectUnfinished(client, event, 'failed', event.data.error);
}

async function projectCrawlCancelled(client: PoolClient, event: StoredEvent<CrawlCancelled>): Promise<void> {
  await projectUnfinished(client, event, 'cancelled', null);
}

/** A crawl that ended without a result: it shows in the crawl history, and never hides an earlier result. */
async function projectUnfinished(client: PoolClient, event: StoredEvent<CrawlFailed | CrawlCancelled>, outcome: 'failed' | 'cancelled', error: string | null): Promise<void> {
  const d = event.data;
  await recordCrawl(client, event, outcome, error);
  await touchPackage(client, d, null, null);
  await client.query(
    `INSERT INTO releases (registry, name, version, outcome, crawled_at, workflow_id, reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (registry, name, version) DO UPDATE
       SET outcome = excluded.outcome, crawled_at = excluded.crawled_at, reason = excluded.reason
       WHERE releases.outcome IN ('failed', 'cancelled')`,
    [d.registry, d.name, d.version, outcome, d.finishedAt, d.crawl.workflowId, error],
  );
}
