// The ranked head of recent searches, kept per query and registry, so that the next request for the same search
// (another page size, the next page, a reload) is served without Postgres. People's searches repeat: a handful of
// words and names make most of them, and those are the searches that cost most (a common word matches thousands
// of packages, all ranked). A miss reads a whole window (the most a page can hold, plus one row to tell whether more
// follow); a page that does not fit in the window (deep paging) goes to Postgres as before.
//
// Freshness. The API follows the event log (for the live stream): every crawl result names its package, and each
// window showing that package is dropped as the event arrives, so what a result shows of a package (its latest
// version, summary, changelog) is never older than the follower is behind the log. Which packages match a search
// can be older: a package that newly matches appears once the window has expired (`ttlMs`, 30 s by default) and
// been read again. An expired window still answers the search that finds it expired, while that search starts its
// re-read in the background (stale-while-revalidate): after a lull every window has expired at once, and a common
// word's window takes Postgres tens of milliseconds to rank; waiting for those re-reads held the first searches
// after a 45 s pause for up to 160 ms (`npm run bench:read-side`'s open loop follows such a pause).
//
// Statements run at most `statementsAtOnce` at once (SEARCH_STATEMENTS_AT_ONCE, 2 by default), searches before
// re-reads. Without a bound, a burst of new searches for words common in changelogs ran on every connection of the
// pool: in the first 3 s of `npm run bench:read-side`'s open loop (2026-12-03), Postgres logged 57 statements over
// 20 ms on 10 backends (log_min_duration_statement), 35 of them 50-160 ms, while the API's thread shared the two
// cores with them. The bound is per API process: a Postgres with more cores serves more API processes.
//
// `lru-cache` bounds the windows by the rows they hold (the least recently used go first) and expires them.
import { LRUCache } from 'lru-cache';
import { MAX_PAGE_SIZE } from './connections';
import { scopeOf } from './pages/pageCache';
import type { SearchKey, SearchRow } from './resolvers/search';
import { shareInFlight } from './shareInFlight';

type Run = (query: string, registry: string | null, after: SearchKey | null, limit: number) => Promise<SearchRow[]>;

export interface SearchWindowsOptions {
  /** How long a window serves; 0 turns the windows off (every search goes to Postgres). */
  ttlMs: number;
  /** The most result rows kept over all windows. */
  maxRows?: number;
  /** Told of each search: answered from a kept window, or not. */
  onSearch?: (hit: boolean) => void;
  /** Where a failed background re-read is reported (at most one line every `REFRESH_ERROR_INTERVAL_MS`). */
  log?: (line: string) => void;
  /** The most statements run at once (searches and re-reads); the rest wait, searches before re-reads. */
  statementsAtOnce?: number;
}

export interface SearchWindows {
  search: Run;
  /** A crawl result of this package was appended: windows showing it are dropped. */
  invalidate(registry: string, name: string): void;
}

interface Window {
  rows: SearchRow[];
  /** The window holds every result of the search. */
  complete: boolean;
}

/** Expired windows read again at once, in the background. */
const MAX_REFRESHES = 1;

/** A failing Postgres fails every re-read: one line reports them, then at most one more this often. */
const REFRESH_ERROR_INTERVAL_MS = 10_000;

/** Rows a window is read with: the largest page, and one more to tell whether more follow. */
const WINDOW_ROWS = MAX_PAGE_SIZE + 1;

export function createSearchWindows(unlimited: Run, { ttlMs, maxRows = 100_000, onSearch = () => undefined, log = console.warn, statementsAtOnce = 2 }: SearchWindowsOptions): SearchWindows {
  const limited = createStatementLimit(statementsAtOnce);
  const run = (query: string, registry: string | null, after: SearchKey | null, rows: number, background = false): Promise<SearchRow[]> => limited(() => unlimited(query, registry, after, rows), background);
  const direct = shareInFlight(run, (query, registry, after, limit) => JSON.stringify([query.toLowerCase(), registry, after, limit]));
  if (ttlMs <= 0) return { search: direct, invalidate: () => undefined };

  /** The windows' keys by the packages they show. */
  const byScope = new Map<string, Set<string>>();
  const windows = new LRUCache<string, Window>({
    maxSize: maxRows,
    sizeCalculation: (window) => Math.max(1, window.rows.length),
    ttl: ttlMs,
    // Expired windows stay (no timer per entry) until read again, evicted, or dropped for a crawl result.
    ttlAutopurge: false,
    dispose: (window, key) => {
      for (const row of window.rows) {
        const scope = scopeOf(row.registry, row.name);
        const keys = byScope.get(scope);
        keys?.delete(key);
        if (keys?.size === 0) byScope.delete(scope);
      }
    },
  });
  // Bumped by every invalidation: a window read while one came in may predate it, and is used but not kept.
  let generation = 0;
  const readWindow = shareInFlight(
    async (key: string, query: string, registry: string | null, background?: boolean): Promise<Window> => {
      const before = generation;
      const rows = await run(query, registry, null, WINDOW_ROWS, background === true);
      const window = { rows, complete: rows.length < WINDOW_ROWS };
      if (generation === before) {
        windows.set(key, window);
        for (const row of rows) {
          const scope = scopeOf(row.registry, row.name);
          let keys = byScope.get(scope);
          if (!keys) byScope.set(scope, (keys = new Set()));
          keys.add(key);
        }
      }
      return window;
    },
    (key) => key,
  );

  // Re-reads of expired windows running in the background, one at a time: after a lull, the first second's searches
  // found about 90 windows expired, and re-reading them all at once took every connection of the pool and both
  // cores for a second (88 statements, 1.7 s of Postgres time). Re-reads also wait behind searches for a statement.
  // A window past the limit keeps answering, expired, until a later search finds a re-read free.
  const refreshing = new Set<string>();
  let failures = { count: 0, reportedAt: -Infinity };
  function refresh(key: string, query: string, registry: string | null): void {
    if (refreshing.has(key) || refreshing.size >= MAX_REFRESHES) return;
    refreshing.add(key);
    readWindow(key, query, registry, true)
      .catch((err: Error) => {
        // The expired window keeps answering, and the next search that finds it tries again.
        failures.count++;
        if (Date.now() - failures.reportedAt < REFRESH_ERROR_INTERVAL_MS) return;
        log(`[api] search: ${failures.count === 1 ? 'a re-read' : `${failures.count} re-reads`} of expired search windows failed; they answer, expired, until one succeeds: ${err.message}`);
        failures = { count: 0, reportedAt: Date.now() };
      })
      .finally(() => refreshing.delete(key));
  }

  return {
    async search(query, registry, after, limit) {
      const key = JSON.stringify([query.toLowerCase(), registry]);
      const status: LRUCache.Status<string, Window> = {};
      let window = windows.get(key, { allowStale: true, noDeleteOnStaleGet: true, status });
      const kept = window !== undefined;
      // Expired: answered from all the same, and read again for the next (a failed re-read leaves it to the next).
      if (status.returnedStale) refresh(key, query, registry);
      if (!window && after === null) window = await readWindow(key, query, registry);
      if (window) {
        // The page starts after the row the cursor was made from; rows are compared by identity rather than by
        // order, which Postgres decides (collation), not this code.
        const start = after === null ? 0 : window.rows.findIndex((row) => row.tier === after[0] && row.sort_key === after[1] && row.registry === after[2] && row.name === after[3]) + 1;
        if ((after === null || start > 0) && (window.complete || start + limit <= window.rows.length)) {
          onSearch(kept);
          return window.rows.slice(start, start + limit);
        }
      }
      onSearch(false);
      return direct(query, registry, after, limit);
    },
    invalidate(registry, name) {
      generation++;
      for (const key of [...(byScope.get(scopeOf(registry, name)) ?? [])]) windows.delete(key);
    },
  };
}

/**
 * Runs statements at most `size` at once; the others wait, foreground ones before background ones, each kind in
 * arrival order.
 */
function createStatementLimit(size: number): <T>(statement: () => Promise<T>, background?: boolean) => Promise<T> {
  let running = 0;
  const foreground: (() => void)[] = [];
  const background: (() => void)[] = [];
  return async (statement, isBackground = false) => {
    if (running < size) running++;
    else await new Promise<void>((resolve) => (isBackground ? background : foreground).push(resolve));
    try {
      return await statement();
    } finally {
      // The slot passes to the next waiting statement, or is given back.
      const next = foreground.shift() ?? background.shift();
      if (next) next();
      else running--;
    }
  };
}
