// Crawl history: every run of every crawl, newest first (by the log position of its recorded result).
import type { Pool } from 'pg';
import type { CrawlOutcome, Registry } from '../../workflows/types';
import type { ApiContext } from '../context';
import { decodeCursor, encodeCursor, pageSize, toConnection } from '../connections';
import { userError } from '../errors';
import { toCrawlNode } from './crawlNode';
import { fromEnum } from './registry';

const OUTCOMES: readonly CrawlOutcome[] = ['found', 'not_found', 'rejected', 'not_published', 'failed', 'cancelled'];

export interface CrawlRow {
  workflow_id: string;
  run_id: string;
  registry: string;
  name: string;
  version: string;
  outcome: string;
  started_at: Date;
  finished_at: Date;
  error: string | null;
  position: string;
}

export function outcomeFromEnum(value: string): CrawlOutcome {
  const outcome = value.toLowerCase() as CrawlOutcome;
  if (!OUTCOMES.includes(outcome)) throw userError('BAD_USER_INPUT', `unknown outcome ${value}`);
  return outcome;
}

function toCrawl(row: CrawlRow) {
  return toCrawlNode({
    workflowId: row.workflow_id,
    runId: row.run_id,
    registry: row.registry as Registry,
    name: row.name,
    version: row.version,
    outcome: row.outcome,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    started: false,
  });
}

function isPositionKey(key: unknown[]): key is [string] {
  return key.length === 1 && typeof key[0] === 'string' && /^\d{1,19}$/.test(key[0]);
}

export interface CrawlFilter {
  outcome?: string | null;
  registry?: string | null;
  name?: string | null;
}

/**
 * Crawl runs, newest first (by the log position of their result), before `before` when given: the crawl
 * history of the `crawls` connections, the web pages and the feed.
 */
export async function readCrawls(pool: Pool, filter: CrawlFilter, before: string | null, limit: number): Promise<CrawlRow[]> {
  const { rows } = await pool.query<CrawlRow>(
    `SELECT workflow_id, run_id, registry, name, version, outcome, started_at, finished_at, error, position::text
       FROM crawls
      WHERE ($1::text IS NULL OR outcome = $1)
        AND ($2::text IS NULL OR registry = $2)
        AND ($3::text IS NULL OR name = $3)
        AND ($4::bigint IS NULL OR position < $4)
      ORDER BY crawls.position DESC
      LIMIT $5`,
    [filter.outcome ?? null, filter.registry ?? null, filter.name ?? null, before, limit],
  );
  return rows;
}

async function crawlConnection(ctx: ApiContext, args: { first?: number | null; after?: string | null }, filter: CrawlFilter) {
  const size = pageSize(args.first);
  const before = args.after ? decodeCursor('crawls', args.after, isPositionKey)[0] : null;
  const rows = await readCrawls(ctx.pool, filter, before, size + 1);
  return toConnection(rows, size, (row) => encodeCursor('crawls', [row.position]), toCrawl);
}

export function crawlsQuery(
  _: unknown,
  args: { first?: number | null; after?: string | null; outcome?: string | null; registry?: string | null },
  ctx: ApiContext,
) {
  return crawlConnection(ctx, args, {
    outcome: args.outcome ? outcomeFromEnum(args.outcome) : null,
    registry: args.registry ? fromEnum(args.registry) : null,
  });
}

export function packageCrawls(parent: { registry: string; name: string }, args: { first?: number | null; after?: string | null }, ctx: ApiContext) {
  return crawlConnection(ctx, args, { registry: fromEnum(parent.registry), name: parent.name });
}
