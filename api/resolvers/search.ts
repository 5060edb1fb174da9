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

interface SearchRow extends PackageRow {
  tier: number;
  /** Ascending is better: 0 for exact, the name's length for prefixes, minus the rank otherwise. */
  sort_key: number;
}

/** tier, sort key, registry, name: the order of results, and so the keyset cursor. */
type SearchKey = [number, number, string, string];

function isSearchKey(key: unknown[]): key is SearchKey {
  const [tier, sortKey, registry, name] = key;
  return key.length === 4 && Number.isInteger(tier) && typeof sortKey === 'number' && typeof registry === 'string' && typeof name === 'string';
}

/** The rows after the cursor, in result order, joined back to their package columns. */
function page(matches: string): string {
  return `
  WITH matches AS (${matches}), page AS (
    SELECT * FROM matches m
     WHERE ($3::text IS NULL OR m.registry = $3)
       AND ($4::int IS NULL OR (m.tier, m.sort_key, m.registry, m.name) > ($4::int, $5::float8, $6::text, $7::text))
     ORDER BY m.tier, m.sort_key, m.registry, m.name
     LIMIT $8
  )
  SELECT page.tier, page.sort_key, ${PACKAGE_COLUMNS.split(', ').map((c) => `p.${c}`).join(', ')}
    FROM page JOIN packages p USING (registry, name)
   ORDER BY page.tier, page.sort_key, page.registry, page.name`;
}

// $1 lower-cased query, $2 the query as a LIKE prefix pattern. The range on lower(name) lets the btree
// (text_pattern_ops) index find prefixes; the LIKE rechecks.
const NAME_MATCHES = page(`
    SELECT registry, name, ${EXACT} AS tier, 0::float8 AS sort_key FROM packages WHERE lower(name) = $1
    UNION ALL
    SELECT registry, name, ${PREFIX}, length(name)::float8 FROM packages
     WHERE lower(name) ~>=~ $1 AND lower(name) ~<~ ($1 || chr(1114111)) AND lower(name) LIKE $2 AND lower(name) <> $1`);

// Names (weight A), summaries (B) and changelog text (C) through the GIN index on the weighted document.
const TEXT_MATCHES = page(`
    SELECT p.registry, p.name, ${TEXT} AS tier, -ts_rank(p.document, q.ts)::float8 AS sort_key
      FROM packages p, (SELECT websearch_to_tsquery('simple', $1) || websearch_to_tsquery('english', $1) AS ts) q
     WHERE p.document @@ q.ts AND lower(p.name) NOT LIKE $2`);

// Trigram similarity (pg_trgm GIN on lower(name)): only when nothing else matched.
const SIMILAR_MATCHES = page(`
    SELECT registry, name, ${SIMILAR} AS tier, -similarity(lower(name), $1)::float8 AS sort_key
      FROM packages WHERE lower(name) % $1 AND $2::text IS NOT NULL`);

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The SQL a search runs, in order, until a page is full (exported for the benchmark). */
export function searchStatements(query: string, registry: string | null, after: SearchKey | null, limit: number): { tier: number; sql: string; params: unknown[] }[] {
  const term = query.toLowerCase();
  const params = (rows: number) => [term, `${escapeLike(term)}%`, registry, after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, after?.[3] ?? null, rows];
  return [
    { tier: PREFIX, sql: NAME_MATCHES, params: params(limit) },
    { tier: TEXT, sql: TEXT_MATCHES, params: params(limit) },
    { tier: SIMILAR, sql: SIMILAR_MATCHES, params: params(limit) },
  ];
}

/**
 * Each kind of match is its own index-driven statement, run only while the page has room: a query whose
 * name matches fill the page never ranks its (possibly thousands of) full-text matches.
 */
export async function runSearch(ctx: Pick<ApiContext, 'pool'>, query: string, registry: string | null, after: SearchKey | null, limit: number): Promise<SearchRow[]> {
  const rows: SearchRow[] = [];
  for (const statement of searchStatements(query, registry, after, limit)) {
    if (after && after[0] > statement.tier) continue;
    if (statement.tier === SIMILAR && (rows.length > 0 || (after !== null && after[0] < SIMILAR))) break;
    const params = [...statement.params];
    params[7] = limit - rows.length;
    rows.push(...(await ctx.pool.query<SearchRow>(statement.sql, params)).rows);
    if (rows.length >= limit) break;
  }
  return rows;
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
  const rows = await ctx.searchCache.get(JSON.stringify([query.toLowerCase(), registry, after, size]), () => runSearch(ctx, query, registry, after, size + 1));
  return toConnection(
    rows,
    size,
    (row) => encodeCursor('search', [row.tier, row.sort_key, row.registry, row.name]),
    toPackage,
    (row) => ({ match: TIERS[row.tier] }),
  );
}
