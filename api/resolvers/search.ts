// search(query, registry, first, after): exact name, then prefix, then full text, in a stable order; when
// nothing matches at all, names that look alike (typos).
import type { ApiContext } from '../context';
import { decodeCursor, encodeCursor, pageSize, toConnection } from '../connections';
import { userError } from '../errors';
import { type PackageRow, PACKAGE_COLUMNS, toPackage } from './package';
import { fromEnum } from './registry';

const MAX_QUERY_LENGTH = 200;
const TIERS = ['EXACT', 'PREFIX', 'TEXT', 'SIMILAR'] as const;
const [EXACT, PREFIX, TEXT, SIMILAR] = [0, 1, 2, 3];

export interface SearchRow extends PackageRow {
  tier: number;
  /**
   * Ascending is better: 0 for exact, the name's length for prefixes, minus the rank otherwise (below -1 for name
   * and summary matches, above for changelog-only ones).
   */
  sort_key: number;
}

/** tier, sort key, registry, name: the order of results, and so the keyset cursor. */
export type SearchKey = [number, number, string, string];

export function isSearchKey(key: unknown[]): key is SearchKey {
  const [tier, sortKey, registry, name] = key;
  return key.length === 4 && Number.isInteger(tier) && typeof sortKey === 'number' && typeof registry === 'string' && typeof name === 'string';
}

// One statement, one round trip: each kind of match is its own index-driven part, and a part runs only
// while the page has room (a gate on the parts before it that Postgres evaluates once, before the part's
// scan), so a query whose name matches fill the page never ranks its (possibly thousands of) full-text
// matches, and similar names are looked for only when nothing else matched.
//
// $1 lower-cased query, $2 the query as a LIKE prefix pattern, $3 registry or null, $4–$7 the cursor's key
// (tier, sort key, registry, name) or nulls, $8 rows wanted.
const AFTER = '($4::int IS NULL OR (m.tier, m.sort_key, m.registry, m.name) > ($4::int, $5::float8, $6::text, $7::text))';
const REGISTRY = '($3::text IS NULL OR m.registry = $3::text)';
// Names starting with the query, itself included: the range lets the btree (text_pattern_ops) index find
// them; the LIKE rechecks.
const PREFIX_RANGE = 'lower(name) ~>=~ $1::text AND lower(name) ~<~ ($1::text || chr(1114111)) AND lower(name) LIKE $2::text';
// EXPLAIN (ANALYZE, BUFFERS) on the full seed:large set (269,275 packages, `npm run seed:large`), quiet machine,
// all pages in shared buffers, 2026-12-02:
// - "pytest-auth-utils" (a whole name): names — index-only scans of packages_lower_name fill the page, 21 rows,
//   0.2 ms; heads, changelogs, similars — their gates stop them before any index is read; 0.6 ms in all.
// - "storage" (a word of 6,622 names and summaries, no name starting with it): names — 0 rows; heads — bitmap scan
//   of packages_registry_search_head, 6,622 rows from 5,570 heap blocks, each ranked by its search_head, top-N
//   heapsort, 20.8 ms; changelogs, similars — never executed (the page was full). Cost grows with the matches: a
//   word in a third of all summaries takes about 300 ms, which the search windows (api/searchWindows.ts) answer
//   once for all its repeats.
// - "vue-auth67" in RubyGems (a name of another registry): names, heads — 0 rows; changelogs — a probe of the
//   packages_registry_document expression index, 0 rows, 0.1 ms; similars — bitmap scan of
//   packages_registry_name_trigram, 3,369 candidates rechecked on the table, 18 rows, 17 ms.
// Planning 1.5 ms (the named statement is parsed and analysed once per connection, planned per execution until
// Postgres settles on a generic plan).
/** The most changelog-only matches a search ranks (see the `changelogs` part). */
const CHANGELOG_CANDIDATES = 1_000;
/** The query's two readings (both statements' first CTE). */
const QUERY = `query AS MATERIALIZED (
  -- Names are indexed unstemmed and the rest in English, hence both readings of the query: ranked as one
  -- query, but looked up once when they are the same (the index would read every posting list twice).
  -- Materialised: evaluated once even where the statement is planned generically.
  SELECT s || e AS ranked, CASE WHEN s = e THEN s ELSE s || e END AS matched
    FROM websearch_to_tsquery('simple', $1::text) s, websearch_to_tsquery('english', $1::text) e
)`;

/** The packages matching through their changelog alone, ranked (the `changelogs` part, below); `gate`: when it runs. */
const changelogMatches = (gate: string) => `
    SELECT c.registry, c.name, ${TEXT} AS tier, (-ts_rank(c.document, (SELECT ranked FROM query), 32))::float8 AS sort_key
      FROM (SELECT p.registry, p.name, p.search_head || p.changelog_document AS document
              FROM packages p
             WHERE p.changelog_document IS NOT NULL AND (p.search_head || p.changelog_document) @@ (SELECT matched FROM query)
               AND NOT p.search_head @@ (SELECT matched FROM query)
               AND ($3::text IS NULL OR p.registry = $3::text)
               AND (NOT EXISTS (SELECT FROM packages WHERE ${PREFIX_RANGE}) OR lower(p.name) NOT LIKE $2::text)
               AND coalesce($4::int, ${EXACT}) <= ${TEXT}${gate}
             LIMIT ${CHANGELOG_CANDIDATES}) c`;

const SEARCH_SQL = `
WITH ${QUERY}, names AS MATERIALIZED (
  SELECT * FROM (
    SELECT registry, name, ${EXACT} AS tier, 0::float8 AS sort_key FROM packages WHERE lower(name) = $1::text
    UNION ALL
    SELECT registry, name, ${PREFIX}, length(name)::float8 FROM packages WHERE ${PREFIX_RANGE} AND lower(name) <> $1::text
  ) m
  WHERE coalesce($4::int, ${EXACT}) <= ${PREFIX} AND ${REGISTRY} AND ${AFTER}
  ORDER BY tier, sort_key, registry, name LIMIT $8::int
), heads AS MATERIALIZED (
  -- Full-text matches of the name (weight A) or summary (B), through the GIN index on the registry and
  -- search_head, ranked by that small in-row vector. Names matched above are left out, a check made on each row
  -- only when some name does start with the query. Ranks are squashed into [0, 1) (normalisation 32) and put
  -- below -1, so that every match here sorts before the changelog matches below, within the one TEXT tier.
  SELECT * FROM (
    SELECT p.registry, p.name, ${TEXT} AS tier, (-1 - ts_rank(p.search_head, (SELECT ranked FROM query), 32))::float8 AS sort_key
      FROM packages p
     WHERE p.search_head @@ (SELECT matched FROM query)
       AND (NOT EXISTS (SELECT FROM packages WHERE ${PREFIX_RANGE}) OR lower(p.name) NOT LIKE $2::text)
       AND coalesce($4::int, ${EXACT}) <= ${TEXT} AND ($4::int IS DISTINCT FROM ${TEXT} OR $5::float8 <= -1)
       AND (SELECT count(*) FROM names) < $8::int
  ) m
  WHERE ${REGISTRY} AND ${AFTER}
  ORDER BY sort_key, registry, name LIMIT $8::int
), changelogs AS MATERIALIZED (
  -- Packages that match only with their changelog text (weight C) counted in: the whole document (search_head ||
  -- changelog_document, the expression packages_registry_document indexes, written exactly so for the planner to
  -- use it), only while the page still has room; only these read the (often out-of-line) changelog to rank it.
  -- A word common in changelogs matches a large share of all packages ("abortsignal" in the 1M-event set: ranking
  -- every match read each one's document, 2.2 s), so at most ${CHANGELOG_CANDIDATES} candidates are ranked: the first the
  -- index finds, the same ones for every page of the same search while the table is unchanged.
  SELECT * FROM (
${changelogMatches(' AND (SELECT count(*) FROM names) + (SELECT count(*) FROM heads) < $8::int')}
  ) m
  WHERE ${AFTER}
  ORDER BY sort_key, registry, name LIMIT $8::int
), similars AS MATERIALIZED (
  -- Trigram similarity (pg_trgm GIN on the registry and lower(name)): only when nothing else matched.
  SELECT * FROM (
    SELECT registry, name, ${SIMILAR} AS tier, -similarity(lower(name), $1::text)::float8 AS sort_key
      FROM packages
     WHERE lower(name) % $1::text
       AND coalesce($4::int, ${SIMILAR}) = ${SIMILAR} AND NOT EXISTS (SELECT FROM names) AND NOT EXISTS (SELECT FROM heads)
       AND NOT EXISTS (SELECT FROM changelogs)
  ) m
  WHERE ${REGISTRY} AND ${AFTER}
  ORDER BY sort_key, registry, name LIMIT $8::int
)
SELECT m.tier, m.sort_key, ${PACKAGE_COLUMNS.split(', ').map((c) => `p.${c}`).join(', ')}
  FROM (SELECT * FROM names UNION ALL SELECT * FROM heads UNION ALL SELECT * FROM changelogs UNION ALL SELECT * FROM similars) m
  JOIN packages p USING (registry, name)
 ORDER BY m.tier, m.sort_key, m.registry, m.name
 LIMIT $8::int`;

/**
 * The SQL's `changelogs` part alone, for the in-memory index (api/searchIndex), which answers the other parts: the
 * same parameters, the same rows (with the package's columns), the same order. The caller runs it only when the
 * names and heads it found leave room on the page, and passes the cursor only when it points into this part.
 * EXPLAIN (ANALYZE, BUFFERS) on the full seed:large set, quiet machine, 2026-12-03, 101 rows wanted: "pytest-auth-utils"
 * (a whole name: a phrase of rare and common lexemes) — a bitmap scan of packages_registry_document finds 1 row, which
 * its search head matches, 0.5 ms (planning 0.5 ms); "orbit uploader" — 108 rows from 99 heap blocks, all left
 * out by their search heads, 0.7 ms. A word common in changelogs ranks up to CHANGELOG_CANDIDATES documents, which the
 * windows keep for its repeats: "reconnect" (2026-12-03, 101 rows wanted) — the bitmap index scan alone finds 112,130
 * rows (29 ms), the first 1,000 are ranked and sorted (12 ms), 43 ms in all. Only the page's rows are joined to their
 * package rows (`shown`): joined before the sort, all 1,000 were, 4.6 ms of index scans.
 */
const CHANGELOG_TIER_SQL = `
WITH ${QUERY}, shown AS MATERIALIZED (
  SELECT * FROM (
${changelogMatches('')}
  ) m
  WHERE ${AFTER}
  ORDER BY m.sort_key, m.registry, m.name
  LIMIT $8::int
)
SELECT m.tier, m.sort_key, ${PACKAGE_COLUMNS.split(', ').map((c) => `p.${c}`).join(', ')}
  FROM shown m JOIN packages p USING (registry, name)
 ORDER BY m.sort_key, m.registry, m.name`;

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The statement a search runs and its parameters (exported for the benchmark and EXPLAIN). */
export function searchStatement(query: string, registry: string | null, after: SearchKey | null, limit: number): { name: string; text: string; values: unknown[] } {
  const term = query.toLowerCase();
  return {
    // Named: each connection parses and analyses it once, then only binds and runs it.
    name: 'search_packages',
    text: SEARCH_SQL,
    values: [term, `${escapeLike(term)}%`, registry, after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, after?.[3] ?? null, limit],
  };
}

/** The `changelogs` part alone (CHANGELOG_TIER_SQL), with the same parameters as searchStatement. */
export function changelogTierStatement(query: string, registry: string | null, after: SearchKey | null, limit: number): { name: string; text: string; values: unknown[] } {
  return { ...searchStatement(query, registry, after, limit), name: 'search_changelogs', text: CHANGELOG_TIER_SQL };
}

/** Up to `limit` results after the cursor, in result order. */
export async function runSearch(ctx: Pick<ApiContext, 'pool'>, query: string, registry: string | null, after: SearchKey | null, limit: number): Promise<SearchRow[]> {
  return (await ctx.pool.query<SearchRow>(searchStatement(query, registry, after, limit))).rows;
}

export async function searchQuery(
  _: unknown,
  args: { query: string; registry?: string | null; first?: number | null; after?: string | null },
  ctx: ApiContext,
) {
  const query = args.query.trim();
  if (!query || query.length > MAX_QUERY_LENGTH || /\p{Cc}/u.test(query)) {
    throw userError('BAD_USER_INPUT', `query must be 1 to ${MAX_QUERY_LENGTH} printable characters`);
  }
  const registry = args.registry ? fromEnum(args.registry) : null;
  const size = pageSize(args.first);
  const after = args.after ? decodeCursor('search', args.after, isSearchKey) : null;
  const rows = await ctx.searchPackages(query, registry, after, size + 1);
  return toConnection(
    rows,
    size,
    (row) => encodeCursor('search', [row.tier, row.sort_key, row.registry, row.name]),
    toPackage,
    (row) => ({ match: TIERS[row.tier] }),
  );
}
