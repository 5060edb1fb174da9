// Search through the in-memory index (packageIndex.ts): names, name-and-summary matches and similar names, and the
// rows they show, come from memory; Postgres parses the query (websearch_to_tsquery, cached per query) and ranks the
// packages that match only through their changelog (the `changelogs` part, windowed: its first rows per query are
// kept as the search windows keep whole searches, and dropped as the packages they show change).
//
// Loading and freshness. At start the index reads every package's row and search head in keyset pages while the
// SQL search answers; it follows the event log from before the first page, and each crawl result's package is read
// again once loaded (a package read twice is the same package). A search waits for a re-read in flight, so it sees
// every crawl result the API's log follower has delivered: a new package, or a package's new version or summary,
// shows within the follower's lag (milliseconds; the log is NOTIFY-driven), as the search windows' rows did. A
// rebuild of the read models (`changelogs projections rebuild`) makes the same rows from the same log; read models
// changed by new projection code come with new code, and so a restart.
import { LRUCache } from 'lru-cache';
import type { Pool } from 'pg';
import type { LogFollower } from '../../eventStore/followLog';
import { compareLogPositions, LOG_START, type LogPosition } from '../../eventStore/logPosition';
import { logPositionOf, readLogHead } from '../../eventStore/readLogBatch';
import { PACKAGE_COLUMNS, type PackageRow } from '../resolvers/package';
import { changelogTierStatement, type SearchKey, type SearchRow } from '../resolvers/search';
import { createSearchWindows } from '../searchWindows';
import { shareInFlight } from '../shareInFlight';
import { EXACT, type Hit, PackageSearchIndex, SIMILAR, TEXT } from './packageIndex';
import { parseTsQuery, type TsQuery } from './tsText';

type Run = (query: string, registry: string | null, after: SearchKey | null, limit: number) => Promise<SearchRow[]>;

export interface IndexedSearchOptions {
  pool: Pool;
  follower: LogFollower;
  /** The whole search in SQL: answers while the index loads, and the few queries the index does not evaluate. */
  fallback: Run;
  /** Times each Postgres statement that ranks (the fallback's and the changelog part's). */
  timeStatement?: <T>(statement: () => Promise<T>) => Promise<T>;
  /** How long the changelog part's first rows per query serve repeats (SEARCH_WINDOW_TTL_MS); 0: never kept. */
  windowTtlMs: number;
  /** The most changelog-part statements run at once (SEARCH_STATEMENTS_AT_ONCE; api/searchWindows.ts). */
  statementsAtOnce?: number;
  onWindow?: (hit: boolean) => void;
  /** Told how each search was answered. */
  onSearch?: (by: 'index' | 'sql') => void;
  /** Rows read per page while loading. */
  loadPageSize?: number;
  /** Where problems are told (stderr by default). */
  log?: (line: string) => void;
  /** Where the load's end is told (stdout by default). */
  info?: (line: string) => void;
}

export interface IndexedSearch {
  search: Run;
  /** Resolves once the index has loaded (and retries a failed load every few seconds until it does). */
  loaded(): Promise<void>;
  /** Packages in the index (0 until it has loaded). */
  size(): number;
  /**
   * Resolves once the index has loaded and holds every crawl result the log had when called (for tools and tests
   * that write and then search; a search itself does not wait for the log).
   */
  settled(): Promise<void>;
  stop(): void;
}

interface ParsedQuery {
  /** What a head must satisfy: `s`, or `s || e` when the two readings differ; null matches nothing. */
  matched: TsQuery | null;
  /** What heads are ranked by: `s || e`. */
  ranked: TsQuery | null;
}

/** Postgres's `a || b` on tsqueries: an empty side gives the other. */
function orQueries(a: TsQuery | null, b: TsQuery | null): TsQuery | null {
  if (!a) return b;
  if (!b) return a;
  return { kind: 'or', left: a, right: b };
}

interface HeadRow extends PackageRow {
  head: string | null;
}

/** A package's row as a result shows it, and its search head. */
const INDEXED_COLUMNS = `${PACKAGE_COLUMNS}, search_head::text AS head`;

function rowOf({ head: _, ...row }: HeadRow): PackageRow {
  return row;
}

const LOAD_RETRY_MS = 5_000;
const PARSED_QUERIES = 20_000;

export function createIndexedSearch(options: IndexedSearchOptions): IndexedSearch {
  const { pool, follower, fallback, windowTtlMs, onSearch = () => undefined, loadPageSize = 20_000, log = console.warn, info = console.log } = options;
  const timeStatement = options.timeStatement ?? (<T>(statement: () => Promise<T>) => statement());
  const index = new PackageSearchIndex<PackageRow>();
  let isLoaded = false;
  let stopped = false;
  let unsubscribe: () => void = () => undefined;
  /** The last log position the index has been told of. */
  let seen: LogPosition = LOG_START;

  const changelogs = createSearchWindows(
    async (query, registry, after, limit) => (await timeStatement(() => pool.query<SearchRow>(changelogTierStatement(query.toLowerCase(), registry, after, limit)))).rows,
    { ttlMs: windowTtlMs, statementsAtOnce: options.statementsAtOnce, onSearch: options.onWindow, log },
  );
  // Packages named by crawl results since the follower's position, to read again.
  let dirty = new Map<string, [string, string]>();
  let refreshing: Promise<void> | null = null;

  function markDirty(registry: unknown, name: unknown): void {
    if (typeof registry !== 'string' || typeof name !== 'string') return;
    dirty.set(`${registry}\u0000${name}`, [registry, name]);
    if (isLoaded) refreshSoon();
  }

  function refreshSoon(): void {
    if (refreshing || stopped || dirty.size === 0) return;
    refreshing = refresh().finally(() => {
      refreshing = null;
      if (dirty.size > 0 && !stopped) setTimeout(refreshSoon, 0);
    });
  }

  async function refresh(): Promise<void> {
    const batch = [...dirty.values()];
    dirty = new Map();
    try {
      const { rows } = await pool.query<HeadRow>({
        name: 'search_index_refresh',
        text: `SELECT ${INDEXED_COLUMNS} FROM packages JOIN unnest($1::text[], $2::text[]) AS k(registry, name) USING (registry, name)`,
        values: [batch.map(([registry]) => registry), batch.map(([, name]) => name)],
      });
      for (const row of rows) index.upsert(row.registry, row.name, row.head, rowOf(row));
    } catch (err) {
      for (const [registry, name] of batch) dirty.set(`${registry}\u0000${name}`, [registry, name]);
      log(`[api] search index: reading changed packages failed, retrying: ${(err as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  async function load(): Promise<void> {
    await follower.ready();
    if (stopped) return;
    const listening = follower.listen((event) => {
      seen = logPositionOf(event);
      // The changelog part's windows showing the package go, as the whole searches' windows did.
      changelogs.invalidate(event.data.registry, event.data.name);
      markDirty(event.data.registry, event.data.name);
    });
    seen = listening.position;
    unsubscribe = listening.unsubscribe;
    const started = performance.now();
    await index.bulk(async (upsert) => {
      let after: [string, string] | null = null;
      for (;;) {
        if (stopped) return;
        const { rows }: { rows: HeadRow[] } = await pool.query<HeadRow>({
          name: 'search_index_load',
          text: `SELECT ${INDEXED_COLUMNS} FROM packages
                  WHERE $1::text IS NULL OR (registry, name) > ($1::text, $2::text)
                  ORDER BY registry, name LIMIT $3::int`,
          values: [after?.[0] ?? null, after?.[1] ?? null, loadPageSize],
        });
        for (const row of rows) upsert(row.registry, row.name, row.head, rowOf(row));
        if (rows.length < loadPageSize) return;
        const last: HeadRow = rows[rows.length - 1]!;
        after = [last.registry, last.name];
      }
    });
    if (stopped) return;
    index.trim();
    isLoaded = true;
    info(`[api] search index: ${index.size} packages loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    refreshSoon();
  }

  const loading = (async () => {
    while (!stopped) {
      try {
        await load();
        return;
      } catch (err) {
        unsubscribe();
        log(`[api] search index: loading failed, the SQL search answers meanwhile; retrying: ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, LOAD_RETRY_MS));
      }
    }
  })();

  const parsedQueries = new LRUCache<string, ParsedQuery | 'unsupported'>({ max: PARSED_QUERIES });
  const parseQuery = shareInFlight(async (term: string): Promise<ParsedQuery | 'unsupported'> => {
    const kept = parsedQueries.get(term);
    if (kept) return kept;
    const { rows } = await pool.query<{ s: string; e: string }>({
      name: 'search_parse',
      text: "SELECT websearch_to_tsquery('simple', $1::text)::text AS s, websearch_to_tsquery('english', $1::text)::text AS e",
      values: [term],
    });
    let parsed: ParsedQuery | 'unsupported';
    try {
      const s = parseTsQuery(rows[0]!.s);
      const e = parseTsQuery(rows[0]!.e);
      parsed = { matched: rows[0]!.s === rows[0]!.e ? s : orQueries(s, e), ranked: orQueries(s, e) };
    } catch {
      parsed = 'unsupported'; // syntax the index does not evaluate (a weight or prefix marker): Postgres answers
    }
    parsedQueries.set(term, parsed);
    return parsed;
  }, (term) => term);

  async function search(query: string, registry: string | null, after: SearchKey | null, limit: number): Promise<SearchRow[]> {
    if (!isLoaded) {
      onSearch('sql');
      return timeStatement(() => fallback(query, registry, after, limit));
    }
    if (refreshing) await refreshing;
    const term = query.toLowerCase();
    const tier = after?.[0] ?? EXACT;
    const names = index.nameHits(term, registry, after, limit);
    const result: SearchRow[] = [];
    const shown = (hits: Hit[]) => {
      for (const hit of hits) result.push({ ...index.row(hit.registry, hit.name)!, tier: hit.tier, sort_key: hit.sort_key });
    };
    if (names.length >= limit) {
      // A page of names: the other parts run only when it has room (the SQL's gates), so the query is not even parsed.
      onSearch('index');
      shown(names);
      return result;
    }
    const parsed = await parseQuery(term);
    let heads: Hit[] | null = [];
    if (parsed !== 'unsupported' && parsed.matched && parsed.ranked && tier <= TEXT && (tier !== TEXT || after![1] <= -1)) {
      heads = index.headHits(term, parsed.matched, parsed.ranked, registry, after, limit);
    }
    if (parsed === 'unsupported' || heads === null) {
      onSearch('sql');
      return timeStatement(() => fallback(query, registry, after, limit));
    }
    onSearch('index');
    const room = limit - names.length - heads.length;
    // The changelog part's own cursor: only one pointing into it (a TEXT key above -1) says where to go on.
    const changelogAfter = after && after[0] === TEXT && after[1] > -1 ? after : null;
    const changelogRows = parsed.matched && tier <= TEXT && room > 0 ? await changelogs.search(term, registry, changelogAfter, room) : [];
    let similars: Hit[] = [];
    if ((after?.[0] ?? SIMILAR) === SIMILAR && names.length === 0 && heads.length === 0 && changelogRows.length === 0) {
      similars = index.similarHits(term, registry, after, limit);
    }
    shown(names);
    shown(heads);
    result.push(...changelogRows);
    shown(similars);
    return result.slice(0, limit);
  }

  return {
    search,
    loaded: () => loading,
    size: () => (isLoaded ? index.size : 0),
    async settled() {
      await loading;
      const head = await readLogHead(pool);
      follower.wake();
      while (compareLogPositions(seen, head) < 0 && !stopped) await new Promise((resolve) => setTimeout(resolve, 5));
      while ((refreshing || dirty.size > 0) && !stopped) await (refreshing ?? new Promise((resolve) => setTimeout(resolve, 5)));
    },
    stop() {
      stopped = true;
      unsubscribe();
    },
  };
}
