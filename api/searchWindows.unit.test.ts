import { createSearchWindows } from './searchWindows';
import type { SearchKey, SearchRow } from './resolvers/search';

function row(i: number, registry = 'npm'): SearchRow {
  return {
    registry, name: `pkg-${String(i).padStart(3, '0')}`, tier: 2, sort_key: -1 - 1 / (i + 2), latest_version: '1.0.0', summary: null,
    changelog_version: null, changelog_file: null, changelog_source_url: null, changelog_format: null,
  } as SearchRow;
}

const keyOf = (r: SearchRow): SearchKey => [r.tier, r.sort_key, r.registry, r.name];

/** A search over `total` results, recording each call it gets. */
function fakeSearch(total: number) {
  const results = Array.from({ length: total }, (_, i) => row(i));
  const calls: { query: string; after: SearchKey | null; limit: number }[] = [];
  const run = async (query: string, _registry: string | null, after: SearchKey | null, limit: number) => {
    calls.push({ query, after, limit });
    const start = after ? results.findIndex((r) => r.name === after[3]) + 1 : 0;
    return results.slice(start, start + limit);
  };
  return { run, calls, results };
}

/** A search whose calls are recorded as they start, and wait while `held` until released (`waiting`). */
function gatedSearch() {
  const { run } = fakeSearch(50);
  const gate = {
    held: false,
    started: [] as string[],
    waiting: [] as (() => void)[],
    run: async (...args: Parameters<typeof run>) => {
      gate.started.push(args[0]);
      if (gate.held) await new Promise<void>((resolve) => gate.waiting.push(resolve));
      return run(...args);
    },
  };
  return gate;
}

describe('search windows', () => {
  it('serves other page sizes and the next pages of a search from the window one read made', async () => {
    const { run, calls, results } = fakeSearch(500);
    const stats = { hits: 0, misses: 0 };
    const windows = createSearchWindows(run, { ttlMs: 60_000, onSearch: (hit) => void (hit ? stats.hits++ : stats.misses++) });
    expect(await windows.search('Fast', null, null, 11)).toEqual(results.slice(0, 11));
    expect(await windows.search('fast', null, null, 31)).toEqual(results.slice(0, 31));
    expect(await windows.search('fast', null, keyOf(results[30]!), 21)).toEqual(results.slice(31, 52));
    expect(calls).toEqual([{ query: 'Fast', after: null, limit: 101 }]);
    expect(stats).toEqual({ hits: 2, misses: 1 });
  });

  it('goes to Postgres for a page past the window, a cursor it does not hold, another registry', async () => {
    const { run, calls, results } = fakeSearch(500);
    const windows = createSearchWindows(run, { ttlMs: 60_000 });
    await windows.search('fast', null, null, 20);
    expect(await windows.search('fast', null, keyOf(results[90]!), 20)).toEqual(results.slice(91, 111));
    expect(await windows.search('fast', null, keyOf(results[200]!), 5)).toEqual(results.slice(201, 206));
    await windows.search('fast', 'pypi', null, 20);
    expect(calls.map((c) => [c.after?.[3] ?? null, c.limit])).toEqual([[null, 101], ['pkg-090', 20], ['pkg-200', 5], [null, 101]]);
  });

  it('answers every page of a search whose results all fit in the window', async () => {
    const { run, calls, results } = fakeSearch(40);
    const windows = createSearchWindows(run, { ttlMs: 60_000 });
    await windows.search('fast', null, null, 30);
    expect(await windows.search('fast', null, keyOf(results[29]!), 30)).toEqual(results.slice(30));
    expect(calls).toHaveLength(1);
  });

  it('drops the windows showing a package when a crawl result of it arrives, and only those', async () => {
    const { run, calls } = fakeSearch(50);
    const windows = createSearchWindows(run, { ttlMs: 60_000 });
    await windows.search('fast', null, null, 20);
    windows.invalidate('npm', 'not-shown');
    await windows.search('fast', null, null, 20);
    expect(calls).toHaveLength(1);
    windows.invalidate('npm', 'pkg-042');
    await windows.search('fast', null, null, 20);
    expect(calls).toHaveLength(2);
  });

  it('does not keep a window read while a crawl result arrived', async () => {
    const { run, calls } = fakeSearch(50);
    const windows = createSearchWindows(run, { ttlMs: 60_000 });
    const reading = windows.search('fast', null, null, 20);
    windows.invalidate('npm', 'anything');
    await reading;
    await windows.search('fast', null, null, 20);
    expect(calls).toHaveLength(2);
  });

  it('reads a window once for identical searches made at once', async () => {
    const { run, calls } = fakeSearch(50);
    const windows = createSearchWindows(run, { ttlMs: 60_000 });
    await Promise.all([windows.search('fast', null, null, 20), windows.search('fast', null, null, 10), windows.search('FAST', null, null, 30)]);
    expect(calls).toHaveLength(1);
  });

  it('answers from an expired window while reading it again, and with a TTL of 0 sends every search to Postgres', async () => {
    const expiring = fakeSearch(50);
    const windows = createSearchWindows(expiring.run, { ttlMs: 50 });
    const before = await windows.search('fast', null, null, 20);
    await windows.search('fast', null, null, 20);
    expect(expiring.calls).toHaveLength(1);
    // A package newly matches; the window has not expired yet, so it is not shown.
    expiring.results.unshift(row(999));
    expect(await windows.search('fast', null, null, 20)).toEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 80));
    // Expired: this search still gets the old window at once, and starts the one re-read (shared with the next).
    const [stale, alsoStale] = await Promise.all([windows.search('fast', null, null, 20), windows.search('fast', null, null, 20)]);
    expect(stale).toEqual(before);
    expect(alsoStale).toEqual(before);
    expect(expiring.calls).toHaveLength(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect((await windows.search('fast', null, null, 20))[0]!.name).toBe('pkg-999');
    expect(expiring.calls).toHaveLength(2);
    const { run, calls } = fakeSearch(50);
    const off = createSearchWindows(run, { ttlMs: 0 });
    await off.search('fast', null, null, 20);
    await off.search('fast', null, null, 20);
    expect(calls.map((c) => c.limit)).toEqual([20, 20]);
  });

  it('reads one expired window again at a time; the others answer expired meanwhile', async () => {
    const gate = gatedSearch();
    const { started, waiting, run: gated } = gate;
    const windows = createSearchWindows(gated, { ttlMs: 30 });
    for (const query of ['a', 'b', 'c']) await windows.search(query, null, null, 20);
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.held = true;
    for (const query of ['a', 'b', 'c', 'a']) expect(await windows.search(query, null, null, 20)).toHaveLength(20);
    // a started a re-read (one, however often asked); b's and c's wait for a later search to find it done.
    expect(started).toEqual(['a', 'b', 'c', 'a']);
    gate.held = false;
    for (const resolve of waiting) resolve();
    await new Promise((resolve) => setTimeout(resolve, 0));
    await windows.search('c', null, null, 20);
    expect(started).toEqual(['a', 'b', 'c', 'a', 'c']);
  });

  it('runs at most statementsAtOnce statements at once, searches before re-reads of expired windows', async () => {
    const gate = gatedSearch();
    const { started, waiting, run: gated } = gate;
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    const windows = createSearchWindows(gated, { ttlMs: 30, statementsAtOnce: 1 });
    await windows.search('old', null, null, 20);
    await new Promise((resolve) => setTimeout(resolve, 50));
    gate.held = true;
    const a = windows.search('a', null, null, 20); // takes the one slot
    // Expired: answered at once, its re-read waiting for the slot.
    expect(await windows.search('old', null, null, 20)).toHaveLength(20);
    const b = windows.search('b', null, null, 20); // a search: waits too, but goes before the re-read
    await tick();
    expect(started).toEqual(['old', 'a']);
    gate.held = false;
    waiting.shift()!();
    expect(await a).toHaveLength(20);
    expect(await b).toHaveLength(20);
    await tick();
    expect(started).toEqual(['old', 'a', 'b', 'old']);
  });

  it('reports failed re-reads of expired windows, one line for a run of them, and keeps answering', async () => {
    const { run } = fakeSearch(50);
    let failing = false;
    const flaky = async (...args: Parameters<typeof run>) => {
      if (failing) throw new Error('connection terminated');
      return run(...args);
    };
    const lines: string[] = [];
    const windows = createSearchWindows(flaky, { ttlMs: 20, log: (line) => lines.push(line) });
    for (const query of ['a', 'b']) await windows.search(query, null, null, 20);
    await new Promise((resolve) => setTimeout(resolve, 40));
    failing = true;
    for (const query of ['a', 'b', 'a']) expect(await windows.search(query, null, null, 20)).toHaveLength(20);
    await new Promise((resolve) => setTimeout(resolve, 0));
    // a's re-read failed and was reported; b's and a's second failed within the same interval and wait to be counted.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/a re-read of expired search windows failed.*connection terminated/);
    for (const query of ['a', 'b']) expect(await windows.search(query, null, null, 20)).toHaveLength(20);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(lines).toHaveLength(1);
  });

  it('keeps at most maxRows rows, the least recently used going first', async () => {
    const { run, calls } = fakeSearch(500);
    const windows = createSearchWindows(run, { ttlMs: 60_000, maxRows: 250 });
    await windows.search('a', null, null, 20);
    await windows.search('b', null, null, 20);
    await windows.search('a', null, null, 20);
    await windows.search('c', null, null, 20); // 303 rows: b goes
    await windows.search('a', null, null, 20);
    await windows.search('b', null, null, 20);
    expect(calls.map((c) => c.query)).toEqual(['a', 'b', 'c', 'b']);
  });
});
