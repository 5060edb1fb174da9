import { EXACT, PackageSearchIndex, PREFIX, SIMILAR, TEXT } from './packageIndex';
import { parseTsQuery } from './tsText';

// Heads as Postgres prints search_head::text (name words weight A, summary words B).
const HEADS: [string, string, string][] = [
  ['npm', 'fetch', "'fetch':1A,2A 'api':5B"],
  ['npm', 'fetcher', "'fetcher':1A,2A 'fetch':3B 'thing':4B"],
  ['npm', 'fetch-retry', "'fetch':2A,4A 'fetch-retry':1A 'retri':6B 'retry':3A,5A"],
  ['pypi', 'fetch', "'fetch':1A,2A 'python':3B"],
  ['npm', 'axios-lite', "'axio':5B 'axios':2A,4A 'axios-lite':1A 'fetch':6B 'lite':3A,5A"],
];

function index(): PackageSearchIndex {
  const built = new PackageSearchIndex();
  built.bulk((upsert) => {
    for (const [registry, name, head] of HEADS) upsert(registry, name, head);
  });
  return built;
}

const names = (hits: { registry: string; name: string }[]) => hits.map((h) => `${h.registry}:${h.name}`);

describe('names', () => {
  test('exact names first in every registry, then prefixes by length', () => {
    const hits = index().nameHits('fetch', null, null, 10);
    expect(hits.map((h) => [h.tier, h.sort_key, h.registry, h.name])).toEqual([
      [EXACT, 0, 'npm', 'fetch'],
      [EXACT, 0, 'pypi', 'fetch'],
      [PREFIX, 7, 'npm', 'fetcher'],
      [PREFIX, 11, 'npm', 'fetch-retry'],
    ]);
  });

  test('a registry, a cursor and a limit narrow them', () => {
    const built = index();
    expect(names(built.nameHits('fetch', 'npm', null, 2))).toEqual(['npm:fetch', 'npm:fetcher']);
    expect(names(built.nameHits('fetch', null, [EXACT, 0, 'pypi', 'fetch'], 10))).toEqual(['npm:fetcher', 'npm:fetch-retry']);
    expect(built.nameHits('fetch', null, [TEXT, -1.5, 'npm', 'x'], 10)).toEqual([]);
  });

  test('a package added later is found, in name order', () => {
    const built = index();
    built.upsert('npm', 'fetchy', "'fetchi':1A,2A");
    expect(names(built.nameHits('fetch', 'npm', null, 10))).toEqual(['npm:fetch', 'npm:fetchy', 'npm:fetcher', 'npm:fetch-retry']);
  });
});

describe('heads', () => {
  const query = (text: string) => parseTsQuery(text)!;

  test('matches rank by name (A) before summary (B), names starting with the term left out', () => {
    const hits = index().headHits('fetch', query("'fetch'"), query("'fetch' | 'fetch'"), null, null, 10)!;
    // fetch, fetch-retry and fetcher start with the term; pypi's fetch too.
    expect(names(hits)).toEqual(['npm:axios-lite']);
    expect(hits[0]!.tier).toBe(TEXT);
    expect(hits[0]!.sort_key).toBeGreaterThan(-2);
    expect(hits[0]!.sort_key).toBeLessThan(-1);
  });

  test('a name match outranks a summary match', () => {
    const hits = index().headHits('retri', query("'retri' | 'retry'"), query("'retri' | 'retry'"), null, null, 10)!;
    expect(names(hits)).toEqual(['npm:fetch-retry']);
    const both = index().headHits('thing', query("'fetch'"), query("'fetch'"), 'npm', null, 10)!;
    // In the names (twice, weight A): fetch and fetch-retry alike; then fetcher's and axios-lite's summaries (B).
    expect(both.map((h) => h.name)).toEqual(['fetch', 'fetch-retry', 'axios-lite', 'fetcher']);
    expect(both[0]!.sort_key).toBe(both[1]!.sort_key);
    expect(both[1]!.sort_key).toBeLessThan(both[2]!.sort_key);
  });

  test('a phrase holds only where its words are next to each other', () => {
    const built = index();
    expect(built.headHits('x', query("'fetch' <-> 'retry'"), query("'fetch' <-> 'retry' | 'x'"), null, null, 10)!.map((h) => h.name)).toEqual(['fetch-retry']);
    expect(built.headHits('x', query("'retry' <-> 'fetch'"), query("'retry' <-> 'fetch' | 'x'"), null, null, 10)!.map((h) => h.name)).toEqual(['fetch-retry']);
    expect(built.headHits('x', query("'axios' <-> 'fetch'"), query("'axios' <-> 'fetch' | 'x'"), null, null, 10)!.map((h) => h.name)).toEqual([]);
  });

  test('a changed head replaces the old one', () => {
    const built = index();
    built.upsert('npm', 'fetcher', "'fetcher':1A,2A 'wombat':3B");
    expect(names(built.headHits('wombat', query("'wombat'"), query("'wombat'"), null, null, 10)!)).toEqual(['npm:fetcher']);
    expect(names(built.headHits('thing', query("'thing'"), query("'thing'"), null, null, 10)!)).toEqual([]);
  });

  test('queries beyond the evaluation are handed back', () => {
    const built = index();
    // A lone negation matches heads with none of its lexemes; an AND root is ranked by calc_rank_and.
    expect(built.headHits('x', query("!'fetch'"), query("!'fetch'"), null, null, 10)).toBeNull();
    expect(built.headHits('x', query("'fetch' & 'api'"), query("'fetch' & 'api'"), null, null, 10)).toBeNull();
  });
});

describe('similar names', () => {
  test('names that look like the term, most alike first', () => {
    const hits = index().similarHits('fetchr', null, null, 10);
    expect(hits.every((h) => h.tier === SIMILAR && h.sort_key < 0)).toBe(true);
    // fetchr shares 5 of its 7 trigrams with fetch (5/8), fetcher (5/10) and fetch-retry (5/14); axios-lite none.
    expect(names(hits)).toEqual(['npm:fetch', 'pypi:fetch', 'npm:fetcher', 'npm:fetch-retry']);
    expect(names(index().similarHits('fetchr', 'pypi', null, 10))).toEqual(['pypi:fetch']);
  });
});
