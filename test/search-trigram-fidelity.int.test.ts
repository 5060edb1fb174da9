// The in-process trigrams (api/searchIndex/trigrams.ts) give exactly pg_trgm's answers: show_trgm's trigrams, in
// its order and its printing; similarity() as the same float; `%` at the default threshold; and the rows the
// similar-names part of a search selects (`lower(name) % $1 [AND registry = $2]`, over the same GIN index the
// packages table has), with the same similarities — from a TrigramIndex that has been through removals and
// replacements first. Names and queries are generated from a seed: scoped names, dots, hyphens, underscores,
// digits, capitals, non-ASCII letters and one- or two-character names; queries are those names with a character
// dropped, swapped, inserted or replaced, prefixes, one to three characters, and punctuation. Every Postgres call
// is one statement over unnest()ed arrays, in a database made for the test.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Random } from '../demo/random';
import { lowerAsPostgres, similarity, TrigramIndex, trigramsOf } from '../api/searchIndex/trigrams';
import { dropDatabase, ensureDatabase } from '../infra/db';
import { testAdminDatabaseUrl } from './support/env';

const NAMES = 4_000;
const QUERIES = 600;
const RANDOM_PAIRS_PER_QUERY = 40;
const REGISTRIES = ['reg-a', 'reg-b', 'reg-c'];

const SYLLABLES = [
  're', 'act', 'vue', 'no', 'de', 'ex', 'press', 'lo', 'dash', 'type', 'script', 'web', 'pack', 'ba', 'bel', 'core', 'js',
  'py', 'test', 'lint', 'util', 'da', 'ta', 'http', 'cli', 'json', 'parse', 'form', 'io', 'net', 'log', 'sql', 'auth',
  'api', 'kit', 'ui', 'mon', 'go', 'rails', 'x', 'q', 'aws', 'sdk', 'types', 'node', 'i18n', 'yaml',
];
// Letters with and without case, several scripts, a final sigma and a dotted capital I (lower() is per character),
// and a two-letter CJK word.
const NON_ASCII = ['é', 'ü', 'Ö', 'ß', 'ñ', 'ç', 'ø', 'Å', 'ж', 'Д', 'λ', 'Σ', 'İ', '日本', 'ı', 'ş', 'ẞ', 'Ω'];
const SCOPES = ['types', 'babel', 'aws-sdk', 'my_org', 'a', 'x1'];
const ODD_QUERIES = [
  '', ' ', '-', '--', '@', '@types/', '/', '.', '_', 'a', 'x', '0', 'ab', 'a1', 'abc', 'js', 'node.js', 'react--dom',
  '@types/node', 'é', 'ß', 'σ', 'ς', 'i̇', '日本', 'lodash!', '(core)', 'vue+cli', 'a b c', '  spaced  words ', 'ţest',
];

function word(random: Random): string {
  let w = '';
  for (let i = random.int(1, 3); i > 0; i--) w += random.pick(SYLLABLES);
  if (random.chance(0.15)) w += String(random.int(0, 999));
  if (random.chance(0.08)) {
    const at = random.int(0, w.length);
    w = w.slice(0, at) + random.pick(NON_ASCII) + w.slice(at);
  }
  if (random.chance(0.1)) w = w[0]!.toUpperCase() + w.slice(1);
  if (random.chance(0.02)) w = w.toUpperCase();
  return w;
}

function packageName(random: Random): string {
  const shape = random.next();
  if (shape < 0.04) return Array.from({ length: random.int(1, 2) }, () => random.pick([...'abcxyzAZ0129_-.'])).join('');
  if (shape < 0.07) return random.pick(NON_ASCII) + (random.chance(0.5) ? random.pick(NON_ASCII) : '');
  let name = word(random);
  for (let i = random.int(0, 3); i > 0; i--) name += random.pick(['-', '-', '.', '_', '']) + word(random);
  return random.chance(0.2) ? `@${random.pick(SCOPES)}/${name}` : name;
}

/** What someone looking for `name` might type. */
function query(random: Random, name: string): string {
  const chars = [...name];
  const at = random.int(0, Math.max(0, chars.length - 1));
  const insert = () => random.pick([...'aeiostx0-._ ', ...NON_ASCII]);
  switch (random.int(0, 8)) {
    case 0: chars.splice(at, 1); break;
    case 1: if (at + 1 < chars.length) [chars[at], chars[at + 1]] = [chars[at + 1]!, chars[at]!]; break;
    case 2: chars.splice(at, 0, insert()); break;
    case 3: chars[at] = insert(); break;
    case 4: return chars.slice(0, random.int(1, Math.max(1, chars.length - 1))).join('');
    case 5: return Array.from({ length: random.int(1, 3) }, () => random.pick([...'abcdeloprstx0-'])).join('');
    case 6: return chars.join('').replace(/[-._/@]/g, () => random.pick(['', ' ', '--', '!', '.', '+']));
    case 7: chars.splice(at, 1); chars.splice(random.int(0, chars.length), 0, insert()); break;
    default: break;
  }
  return chars.join('');
}

interface Row {
  id: number;
  similarity: number;
}

const random = new Random(0x7e57_7263);
const names: string[] = [];
const seen = new Set<string>();
while (names.length < NAMES) {
  const name = packageName(random);
  if (seen.has(name)) continue;
  seen.add(name);
  names.push(name);
}
const registries = names.map(() => random.pick(REGISTRIES));
// As api/resolvers/search.ts: the term is the query lower-cased by JavaScript; some searches name a registry.
const origins = Array.from({ length: QUERIES }, () => random.pick(names));
const queries = origins.map((name, i) => (i < ODD_QUERIES.length ? ODD_QUERIES[i]! : query(random, name)).toLowerCase());
const queryRegistries = queries.map((_, i) => (i % 4 === 3 ? random.pick(REGISTRIES) : null));

const url = new URL(testAdminDatabaseUrl());
url.pathname = `/changelogs_test_trigrams_${randomBytes(3).toString('hex')}`;
const databaseUrl = url.toString();
let client: Client;

beforeAll(async () => {
  await ensureDatabase(databaseUrl);
  client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm');
  await client.query('CREATE EXTENSION IF NOT EXISTS btree_gin');
  await client.query('CREATE TABLE packages (id int PRIMARY KEY, registry text NOT NULL, name text NOT NULL)');
  await client.query('INSERT INTO packages SELECT * FROM unnest($1::int[], $2::text[], $3::text[])', [names.map((_, i) => i), registries, names]);
  // As migration 009: the similar-names part of a search reads this index.
  await client.query('CREATE INDEX packages_registry_name_trigram ON packages USING gin (registry, lower(name) gin_trgm_ops)');
  await client.query('ANALYZE packages');
});

afterAll(async () => {
  await client?.end();
  await dropDatabase(databaseUrl);
});

/** One column of a statement run over texts unnest()ed in order. */
async function perText<T>(sql: string, texts: string[]): Promise<T[]> {
  const { rows } = await client.query<{ v: T }>(`SELECT ${sql} AS v FROM unnest($1::text[]) WITH ORDINALITY AS u(t, i) ORDER BY i`, [texts]);
  return rows.map((r) => r.v);
}

describe('pg_trgm fidelity', () => {
  it('uses the default threshold, 0.3', async () => {
    const { rows } = await client.query<Record<string, string>>('SHOW pg_trgm.similarity_threshold');
    expect(rows[0]!['pg_trgm.similarity_threshold']).toBe('0.3');
  });

  it('makes the trigrams show_trgm makes, for every name and query, and lower-cases names as lower() does', async () => {
    const texts = [...names, ...queries];
    const shown = await perText<string[]>('show_trgm(t)', texts);
    const wrong = texts.filter((t, i) => JSON.stringify(trigramsOf(t)) !== JSON.stringify(shown[i]));
    expect(wrong).toEqual([]);
    expect(texts.length).toBe(NAMES + QUERIES);
    const nonAscii = texts.filter((t) => [...t].some((c) => c.codePointAt(0)! > 0x7f)).length;
    expect(nonAscii).toBeGreaterThan(300);

    const lowered = await perText<string>('lower(t)', names);
    expect(names.filter((n, i) => lowerAsPostgres(n) !== lowered[i])).toEqual([]);
  });

  it('computes similarity() to the same float, and % alike, for matching and random pairs', async () => {
    const left: string[] = [];
    const right: string[] = [];
    for (const [i, q] of queries.entries()) {
      left.push(origins[i]!.toLowerCase());
      right.push(q);
      for (let k = 0; k < RANDOM_PAIRS_PER_QUERY; k++) {
        left.push(random.pick(names).toLowerCase());
        right.push(q);
      }
    }
    // And names against names: a typo is often closer to another name than to its own.
    for (let k = 0; k < 5_000; k++) {
      left.push(random.pick(names));
      right.push(random.pick(names));
    }
    const { rows } = await client.query<{ s: number; m: boolean }>(
      'SELECT similarity(a, b)::float8 AS s, a % b AS m FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(a, b, i) ORDER BY i',
      [left, right],
    );
    const wrong = rows.flatMap((r, i) => {
      const s = similarity(left[i]!, right[i]!);
      return s === r.s && s >= 0.3 === r.m ? [] : [{ a: left[i], b: right[i], postgres: r.s, ours: s }];
    });
    expect(wrong).toEqual([]);
    expect(rows.length).toBe(left.length);
    expect(rows.filter((r) => r.m).length).toBeGreaterThan(QUERIES / 2);
  });

  /** Per query, the rows `%` selects at the session's threshold, in the search's order (similarity, registry, name). */
  async function postgresMatches(): Promise<{ rows: number; ties: number; perQuery: Row[][] }> {
    const { rows } = await client.query<{ q: string; id: number; s: number }>(
      `SELECT u.i AS q, p.id, similarity(lower(p.name), u.t)::float8 AS s
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(t, registry, i)
         JOIN LATERAL (SELECT id, name, registry FROM packages WHERE lower(name) % u.t AND (u.registry IS NULL OR registry = u.registry)) p ON true
        ORDER BY u.i, s DESC, p.registry COLLATE "C", p.name COLLATE "C", p.id`,
      [queries, queryRegistries],
    );
    const perQuery: Row[][] = queries.map(() => []);
    for (const r of rows) perQuery[Number(r.q) - 1]!.push({ id: r.id, similarity: r.s });
    const ties = rows.filter((r) => r.s === Math.fround(0.3)).length;
    return { rows: rows.length, ties, perQuery };
  }

  /** The queries whose answer from the index differs from Postgres's (the first few). */
  function differences(index: TrigramIndex, expected: Row[][], threshold?: number) {
    const byResultOrder = (a: Row, b: Row) =>
      b.similarity - a.similarity || compare(registries[a.id]!, registries[b.id]!) || compare(names[a.id]!, names[b.id]!) || a.id - b.id;
    const wrong = queries.flatMap((q, i) => {
      const registry = queryRegistries[i];
      const hits = index.similar(q, registry ? (id) => registries[id] === registry : undefined, threshold).sort(byResultOrder);
      return JSON.stringify(hits) === JSON.stringify(expected[i]) ? [] : [{ q, registry, postgres: expected[i], ours: hits }];
    });
    return wrong.slice(0, 3);
  }

  function churnedIndex(): TrigramIndex {
    const index = new TrigramIndex();
    // Texts that go again, ids whose text is replaced and then restored, removals and re-adds.
    for (let i = 0; i < NAMES; i++) index.add(NAMES + i, `${names[i]}-junk`);
    for (let i = 0; i < NAMES; i++) index.add(i, i % 5 === 0 ? 'placeholder' : lowerAsPostgres(names[i]!));
    for (let i = 0; i < NAMES; i++) index.remove(NAMES + i);
    for (let i = 0; i < NAMES; i += 5) index.add(i, lowerAsPostgres(names[i]!));
    for (let i = 1; i < NAMES; i += 7) index.remove(i);
    for (let i = 1; i < NAMES; i += 7) index.add(i, lowerAsPostgres(names[i]!));
    expect(index.size).toBe(NAMES);
    return index;
  }

  it('finds the rows `lower(name) % $1 [AND registry = $2]` finds, with the same similarities and order', async () => {
    const index = churnedIndex();
    const { rows, ties, perQuery } = await postgresMatches();
    expect(differences(index, perQuery)).toEqual([]);
    // The generated data reaches what it should: many matches, exact ties at 0.3, empty answers.
    expect(rows).toBeGreaterThan(1_500);
    expect(ties).toBeGreaterThan(50);
    expect(perQuery.filter((e) => e.length === 0).length).toBeGreaterThan(20);
    expect(perQuery.filter((e) => e.length > 0).length).toBeGreaterThan(QUERIES / 2);
  });

  it('agrees at other thresholds, a float4 tie included', async () => {
    const index = churnedIndex();
    // 0.3's float4 (0.30000001192092896) is a similarity itself: `%` keeps a similarity equal to the threshold.
    for (const threshold of [Math.fround(0.3), 0.25, 0.5, 0.8]) {
      await client.query(`SET pg_trgm.similarity_threshold = ${threshold}`);
      const { rows, ties, perQuery } = await postgresMatches();
      expect({ threshold, wrong: differences(index, perQuery, threshold) }).toEqual({ threshold, wrong: [] });
      expect(rows).toBeGreaterThan(QUERIES / 4);
      if (threshold === Math.fround(0.3)) expect(ties).toBeGreaterThan(50);
    }
    await client.query('RESET pg_trgm.similarity_threshold');
  });
});

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
