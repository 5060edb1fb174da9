// npm discovery: one page of the replication feed, resolved to the releases published since each changed
// package was last seen. Reading is side-effect free; the follower commits what it has seen afterwards.
import nano from 'nano';
import pMap from 'p-map';
import type { Pool } from 'pg';
import { inTransaction } from '../../infra/db/transaction';
import type { ReleaseRef } from '../../workflows/types';
import { UpstreamError } from '../http/httpGet';
import { fetchPackument, type NpmClientOptions, type Packument, versionsSinceTime } from '../registries/npm';

export interface ChangesPage {
  releases: ReleaseRef[];
  /** The cursor to continue from. Opaque: compare only for the reset check. */
  lastSeq: string;
  caughtUp: boolean;
  /** Packages handled on this page and their packument `modified`, to commit once their crawls started. */
  seen: { name: string; modified: string }[];
  unpublished: string[];
  /** Set when the cursor was ahead of the feed (the sequence was reset) and reading restarted. */
  reset: { from: string; to: string } | null;
  /** The page ended early because its packument reads took longer than the budget. */
  cutShort: boolean;
}

export interface ReadChangesInput {
  since: string | null;
  limit: number;
  /** Packages never seen before yield the versions published after this time. */
  followingSince: string;
  /**
   * Time the packument reads of one page may take. Past it, the page ends after the changes resolved so far (at
   * least one), so a slow registry shortens pages instead of failing them, and every page makes progress.
   */
  budgetMs: number;
}

interface ChangeRow {
  seq: number | string;
  id: string;
  changes?: { rev: string }[];
  deleted?: boolean;
}

const STALE_RETRIES = 5;
const STALE_DELAY_MS = 400;
const PACKUMENT_CONCURRENCY = 8;
/** A change left for the next page, its page's budget spent. */
const NOT_READ = Symbol('not read');

function revNumber(rev: string | undefined): number {
  return Number.parseInt(rev ?? '0', 10) || 0;
}

function feedError(err: unknown, what: string): UpstreamError {
  const status = (err as { statusCode?: number }).statusCode ?? null;
  const kind = status === null || status >= 500 ? 'unavailable' : status === 429 ? 'rate-limited' : 'bad-response';
  return new UpstreamError(`replication feed ${what} failed: ${(err as Error).message}`, kind, status);
}

/** NPM_REPLICATE_URL names the database (`…/registry`); nano wants the server and the name apart. */
export function splitDatabaseUrl(url: string): { server: string; database: string } {
  const parsed = new URL(url);
  const segments = parsed.pathname.split('/').filter(Boolean);
  const database = segments.pop();
  if (!database) throw new UpstreamError(`NPM_REPLICATE_URL must end with the database name, e.g. ${url.replace(/\/+$/, '')}/registry`, 'not-configured');
  parsed.pathname = segments.join('/');
  return { server: parsed.toString().replace(/\/+$/, ''), database: decodeURIComponent(database) };
}

async function updateSeq(feed: nano.ServerScope, database: string): Promise<string> {
  const info = (await feed.db.get(database).catch((err: unknown) => {
    throw feedError(err, 'info');
  })) as unknown as { update_seq?: number | string };
  if (info.update_seq === undefined) throw new UpstreamError('the replication feed did not report update_seq', 'bad-response');
  return String(info.update_seq);
}

/** The packument once it reflects the change (the replica may lag the registry), or the newest we got. */
async function freshPackument(npm: NpmClientOptions, change: ChangeRow): Promise<Packument | null> {
  const wanted = revNumber(change.changes?.[0]?.rev);
  let packument: Packument | null = null;
  for (let attempt = 0; attempt <= STALE_RETRIES; attempt++) {
    try {
      packument = await fetchPackument(npm, change.id);
    } catch (err) {
      if (err instanceof UpstreamError && err.kind === 'not-found') return null;
      throw err;
    }
    if (revNumber(packument._rev) >= wanted) return packument;
    await new Promise((resolve) => setTimeout(resolve, STALE_DELAY_MS * (attempt + 1)));
  }
  return packument;
}

export async function readNpmChanges(pool: Pool, replicateUrl: string, npm: NpmClientOptions, input: ReadChangesInput): Promise<ChangesPage> {
  const { server, database } = splitDatabaseUrl(replicateUrl);
  const feed = nano({ url: server, headers: { 'user-agent': npm.userAgent } });
  const empty = { releases: [], seen: [], unpublished: [], reset: null, cutShort: false };
  if (input.since === null) return { ...empty, lastSeq: await updateSeq(feed, database), caughtUp: false };

  const page = (await feed.db.changes(database, { since: input.since, limit: input.limit }).catch((err: unknown) => {
    throw feedError(err, '_changes');
  })) as unknown as { results?: ChangeRow[]; last_seq?: number | string };
  const results = page.results ?? [];
  if (results.length === 0) {
    const current = await updateSeq(feed, database);
    if (Number(current) < Number(input.since)) {
      return { ...empty, lastSeq: current, caughtUp: false, reset: { from: input.since, to: current } };
    }
    return { ...empty, lastSeq: String(page.last_seq ?? input.since), caughtUp: true };
  }

  // A package changed twice on one page is read once, at its later change.
  const lastIndex = new Map<string, number>();
  results.forEach((row, i) => lastIndex.set(row.id, i));
  const changes = results.filter((row, i) => !row.id.startsWith('_design/') && lastIndex.get(row.id) === i);
  const live = changes.filter((c) => !c.deleted);
  const { rows: seenRows } = await pool.query<{ name: string; modified: Date }>(
    'SELECT name, modified FROM npm_packages_seen WHERE name = ANY($1)',
    [live.map((c) => c.id)],
  );
  const lastSeen = new Map(seenRows.map((r) => [r.name, r.modified.toISOString()]));
  // Packuments are read in feed order until the page's budget is spent; the page then ends after the longest
  // run of changes read from its start (always at least the first change, however long it takes).
  const deadline = Date.now() + input.budgetMs;
  const read = await pMap(
    changes,
    (change, index): Promise<Packument | null | typeof NOT_READ> | typeof NOT_READ | null =>
      index > 0 && Date.now() >= deadline ? NOT_READ : change.deleted ? null : freshPackument(npm, change),
    { concurrency: PACKUMENT_CONCURRENCY },
  );
  const firstUnread = read.indexOf(NOT_READ);
  const packuments = (firstUnread === -1 ? read : read.slice(0, firstUnread)) as (Packument | null)[];
  const handled = changes.slice(0, packuments.length);
  const complete = handled.length === changes.length;

  const releases: ReleaseRef[] = [];
  const seen: ChangesPage['seen'] = [];
  handled.forEach((change, i) => {
    const packument = packuments[i];
    if (change.deleted || !packument) return;
    const previously = lastSeen.get(change.id);
    let versions = versionsSinceTime(packument, previously ?? input.followingSince);
    const latestTag = packument['dist-tags']?.latest;
    if (!previously && versions.length === 0 && latestTag) versions = [latestTag];
    releases.push(...versions.map((version) => ({ registry: 'npm' as const, name: change.id, version })));
    const modified = packument.time?.modified;
    if (modified) seen.push({ name: change.id, modified });
  });
  // A page cut short continues after its last handled change; a whole page after the feed's last_seq.
  const lastSeq = complete ? String(page.last_seq ?? results.at(-1)!.seq) : String(handled.at(-1)!.seq);
  return {
    releases,
    lastSeq,
    caughtUp: false,
    seen,
    unpublished: handled.filter((c) => c.deleted).map((c) => c.id),
    reset: null,
    cutShort: !complete,
  };
}

export async function commitNpmSeen(pool: Pool, seen: ChangesPage['seen'], lastSeq: string): Promise<void> {
  await inTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO npm_packages_seen (name, modified)
       SELECT s.name, s.modified FROM jsonb_to_recordset($1::jsonb) AS s(name text, modified timestamptz)
       ON CONFLICT (name) DO UPDATE SET modified = greatest(npm_packages_seen.modified, excluded.modified)`,
      [JSON.stringify(seen)],
    );
    await client.query(
      `INSERT INTO discovery_cursors (source, cursor) VALUES ('npm-follow', $1)
       ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`,
      [JSON.stringify({ lastSeq })],
    );
  });
}
