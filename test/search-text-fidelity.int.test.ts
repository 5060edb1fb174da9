// The in-process full-text evaluation (api/searchIndex: tsText, tsMatch, tsRank) gives exactly Postgres's answers:
// the same `@@` and the same ts_rank(…, 32) float, bit for bit. Part one generates package names, summaries and
// the queries people type, and asks Postgres for the search head, the websearch tsqueries, the match and the rank
// as the search statement computes them; part two throws random tsqueries (NOT inside phrases, nested phrases,
// large distances, stripped entries, positions near the 16383 limit) at random vectors. Only SELECTs of
// literals and parameters: no tables, so the admin database serves.
import { Client } from 'pg';
import { parseTsQuery, parseTsVector, queryLexemes, type TsQuery, type TsVector } from '../api/searchIndex/tsText';
import { tsMatches } from '../api/searchIndex/tsMatch';
import { rankOr, termImpact, tsRank32 } from '../api/searchIndex/tsRank';
import { testAdminDatabaseUrl } from './support/env';

const CASES = 3_000;
const RANDOM_QUERY_CASES = 3_000;
const BATCH = 250;

/** mulberry32: a small seeded generator, so every run checks the same cases. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly random: () => number) {}
  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }
}

const NAME_PARTS = [
  'react', 'auth', 'util', 'utils', 'core', 'js', 'babel', 'pytest', 'django', 'rails', 'http', 'client', 'server', 'parser',
  'json', 'yaml', 'cli', 'test', 'testing', 'helper', 'helpers', 'plugin', 'loader', 'redux', 'vue', 'types', 'node', 'aws',
  'sdk', 'data', 'log', 'logger', 'async', 'stream', 'cache', 'db', 'pg', 'sql', 'orm', 'ui', 'kit', 'lib', 'tools', 'x',
  'v2', '2', '3d', 'i18n', 'next', 'web', 'api', 'Flask', 'Django', 'PyYAML', 'running', 'the', 'a', 'is',
];
const SCOPES = ['@babel', '@types', '@aws-sdk', '@vue', '@nestjs', '@my-org', '@a'];
const WORDS = [
  'the', 'a', 'an', 'and', 'or', 'of', 'to', 'in', 'for', 'with', 'is', 'it', 'this', 'that', 'be', 'on', 'by', 'not',
  'fast', 'simple', 'small', 'library', 'libraries', 'parser', 'parsers', 'parsing', 'parse', 'run', 'runs', 'running',
  'runner', 'test', 'tests', 'testing', 'tested', 'http', 'client', 'clients', 'server', 'servers', 'serving', 'json',
  'data', 'stream', 'streams', 'streaming', 'cache', 'caching', 'cached', 'log', 'logs', 'logging', 'logger', 'plugin',
  'plugins', 'authentication', 'authenticate', 'auth', 'utility', 'utilities', 'helper', 'helpers', 'react', 'component',
  'components', 'node', 'nodes', 'dog', 'dogs', 'mouse', 'mice', 'cat', 'cats', 'universal', 'universe', 'connect',
  'connection', 'connections', 'connecting', 'database', 'databases', 'query', 'queries', 'querying', 'async', 'promise',
  'promises', 'type', 'types', 'typed', 'typing', 'yaml', 'tool', 'tools', 'build', 'builds', 'building', 'builder',
  'café', 'naïve', 'über',
];
const PUNCTUATION = ['', '', '', '', ',', '.', '!', ';', ':', '?', "'s", '-based', ' (beta)', ' & co', '/'];
const ODD_QUERIES = [
  'the', 'the a', 'and or', 'a', '', '   ', 'c++', 'node.js', "it's", 'back\\slash', '"unterminated phrase', 'a & b',
  '<->', 'foo:*', 'foo:A', '!', '-', '--', '"', '""', 'or', 'or or', '-the', 'not the', 'x-y-z', '@types/node',
  '(react)', 'React!', 'RUNNING', 'café', 'Über-Tool', '3d', 'v2', 'i18n-js', '"the the"', 'is it', '—', '😀 emoji',
];

function generateName(g: Gen): string {
  const parts: string[] = [];
  const count = g.int(1, 4);
  for (let i = 0; i < count; i++) parts.push(g.pick(NAME_PARTS) + (g.chance(0.1) ? String(g.int(0, 99)) : ''));
  let name = parts[0]!;
  for (let i = 1; i < parts.length; i++) name += g.pick(['-', '-', '_', '.', '']) + parts[i];
  if (g.chance(0.25)) name = `${g.pick(SCOPES)}/${name}`;
  return name;
}

function generateSummary(g: Gen): string | null {
  if (g.chance(0.05)) return null;
  if (g.chance(0.03)) return '';
  const shape = g.random();
  // Mostly short; some long ones, so positions go high; a few with a word repeated past 256 positions.
  const length = shape < 0.7 ? g.int(1, 15) : shape < 0.95 ? g.int(16, 400) : g.int(300, 700);
  const repeated = g.pick(WORDS);
  const words: string[] = [];
  for (let i = 0; i < length; i++) {
    const word = shape >= 0.95 && g.chance(0.6) ? repeated : g.pick(WORDS);
    words.push((g.chance(0.05) ? word[0]!.toUpperCase() + word.slice(1) : word) + g.pick(PUNCTUATION));
  }
  return words.join(' ');
}

function words(text: string | null): string[] {
  return (text ?? '').split(/\s+/).filter(Boolean);
}

function generateQuery(g: Gen, name: string, summary: string | null): string {
  const bare = name.replace(/^@[^/]+\//, '');
  const parts = bare.split(/[-_.]/).filter(Boolean);
  const text = words(summary);
  const word = () => (text.length > 0 && g.chance(0.7) ? g.pick(text) : g.chance(0.5) ? g.pick(WORDS) : g.pick(NAME_PARTS));
  switch (g.int(0, 13)) {
    case 0:
      return name;
    case 1:
      return name.slice(0, g.int(1, name.length));
    case 2:
      return word();
    case 3:
      return `${word()} ${word()}`;
    case 4: {
      if (text.length === 0) return `"${word()} ${word()}"`;
      const start = g.int(0, text.length - 1);
      return `"${text.slice(start, start + g.int(1, 4)).join(' ')}"`;
    }
    case 5:
      return parts.join('-');
    case 6:
      return `${word()} or ${word()}`;
    case 7:
      return `-${word()}`;
    case 8:
      return `${word()} -${word()}`;
    case 9:
      return g.pick(ODD_QUERIES);
    case 10:
      return g.pick(parts.length > 0 ? parts : [bare]);
    case 11:
      return `${word()} ${g.pick(['or', 'and', '&', '|', '!'])} "${word()} ${word()}" -${word()}`;
    case 12:
      return `${word()}${g.pick(['!', '?', '.', ',', "'", '"', ':', '-'])}`;
    default:
      return `${g.pick(parts.length > 0 ? parts : [bare])} ${word()}`;
  }
}

/** Postgres's `a || b` on tsqueries (tsquery_or): an empty side gives the other. */
function orQueries(a: TsQuery | null, b: TsQuery | null): TsQuery | null {
  if (!a) return b;
  if (!b) return a;
  return { kind: 'or', left: a, right: b };
}

/** ts_rank through termImpact + rankOr (the index's path), or 'unsupported' where tsRank32 refuses. */
function rankByParts(vector: TsVector, query: TsQuery | null): number | 'unsupported' {
  if (query === null || vector.size === 0) return 0;
  const lexemes = queryLexemes(query);
  if ((query.kind === 'and' || query.kind === 'phrase') && lexemes.length >= 2) return 'unsupported';
  return rankOr(
    lexemes.map((lexeme) => {
      const positions = vector.get(lexeme);
      return positions ? termImpact(positions) : 0;
    }),
    lexemes.length,
  );
}

function rankOrUnsupported(vector: TsVector, query: TsQuery | null): number | 'unsupported' {
  try {
    return tsRank32(vector, query);
  } catch (err) {
    if (!/unsupported/.test((err as Error).message)) throw err;
    return 'unsupported';
  }
}

function matches(vector: TsVector, query: TsQuery | null): boolean {
  return query !== null && tsMatches(query, (lexeme) => vector.get(lexeme));
}

function hasPhrase(query: TsQuery | null): boolean {
  if (!query || query.kind === 'term') return false;
  if (query.kind === 'phrase') return true;
  if (query.kind === 'not') return hasPhrase(query.arg);
  return hasPhrase(query.left) || hasPhrase(query.right);
}

/** Whether a NOT sits below a phrase operator (TS_phrase_execute's negate rules). */
function notInsidePhrase(query: TsQuery | null, inPhrase: boolean): boolean {
  if (!query || query.kind === 'term') return false;
  if (query.kind === 'not') return inPhrase || notInsidePhrase(query.arg, inPhrase);
  const below = inPhrase || query.kind === 'phrase';
  return notInsidePhrase(query.left, below) || notInsidePhrase(query.right, below);
}

let client: Client;
beforeAll(async () => {
  client = new Client({ connectionString: testAdminDatabaseUrl() });
  client.on('notice', () => undefined); // "text-search query contains only stop words": expected
  await client.connect();
});
afterAll(async () => {
  await client?.end();
});

interface HeadRow {
  head: string;
  s: string;
  e: string;
  matched_text: string;
  ranked_text: string;
  matched: boolean;
  rank: number;
}

const HEAD_STATEMENT = `
  SELECT h::text AS head, s::text AS s, e::text AS e, m::text AS matched_text, r::text AS ranked_text,
         h @@ m AS matched, ts_rank(h, r, 32)::float8 AS rank
    FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS c(name, summary, q, i)
   CROSS JOIN LATERAL (SELECT setweight(to_tsvector('simple', c.name || ' ' || translate(c.name, '@/._-', '     ')), 'A')
                              || setweight(to_tsvector('english', coalesce(c.summary, '')), 'B') AS h,
                              websearch_to_tsquery('simple', c.q) AS s,
                              websearch_to_tsquery('english', c.q) AS e) AS x
   CROSS JOIN LATERAL (SELECT CASE WHEN x.s = x.e THEN x.s ELSE x.s || x.e END AS m, x.s || x.e AS r) AS y
   ORDER BY c.i`;

test('websearch queries over generated package heads: the same matches and the same ts_rank floats as Postgres', async () => {
  const g = new Gen(seeded(20_240_611));
  const cases = Array.from({ length: CASES }, () => {
    const name = generateName(g);
    const summary = generateSummary(g);
    return { name, summary, query: generateQuery(g, name, summary) };
  });
  const counts = { cases: 0, matched: 0, matchAgree: 0, composedAgree: 0, ranked: 0, rankAgree: 0, partsAgree: 0, unsupported: 0, phrases: 0, positive: 0 };
  const failures: string[] = [];
  for (let start = 0; start < cases.length; start += BATCH) {
    const batch = cases.slice(start, start + BATCH);
    const { rows } = await client.query<HeadRow>(HEAD_STATEMENT, [batch.map((c) => c.name), batch.map((c) => c.summary), batch.map((c) => c.query)]);
    rows.forEach((row, i) => {
      const c = batch[i]!;
      counts.cases++;
      const vector = parseTsVector(row.head);
      const s = parseTsQuery(row.s);
      const e = parseTsQuery(row.e);
      const matched = parseTsQuery(row.matched_text);
      const ranked = parseTsQuery(row.ranked_text);
      if (row.matched) counts.matched++;
      if (row.rank > 0) counts.positive++;
      if (hasPhrase(matched)) counts.phrases++;

      const mine = matches(vector, matched);
      if (mine === row.matched) counts.matchAgree++;
      else failures.push(`@@ ${JSON.stringify(c)} head=${row.head} query=${row.matched_text}: postgres ${row.matched}, index ${mine}`);
      // What the index does: combine s and e itself (text equality standing in for tsquery equality).
      const composed = matches(vector, row.s === row.e ? s : orQueries(s, e));
      if (composed === row.matched) counts.composedAgree++;
      else failures.push(`@@ (s, e combined) ${JSON.stringify(c)} s=${row.s} e=${row.e}: postgres ${row.matched}, index ${composed}`);

      const rank = rankOrUnsupported(vector, ranked);
      if (rank === 'unsupported') {
        counts.unsupported++;
        return;
      }
      counts.ranked++;
      if (rank === row.rank) counts.rankAgree++;
      else failures.push(`ts_rank ${JSON.stringify(c)} head=${row.head} query=${row.ranked_text}: postgres ${row.rank}, index ${rank}`);
      const byParts = rankByParts(vector, orQueries(s, e));
      if (byParts === row.rank) counts.partsAgree++;
      else failures.push(`ts_rank by parts ${JSON.stringify(c)} s=${row.s} e=${row.e}: postgres ${row.rank}, index ${byParts}`);
    });
  }
  console.log(`search text fidelity (websearch): ${JSON.stringify(counts)}`);
  expect(failures.slice(0, 20)).toEqual([]);
  expect(counts.cases).toBe(CASES);
  expect(counts.matchAgree).toBe(CASES);
  expect(counts.rankAgree).toBe(counts.ranked);
  expect(counts.unsupported).toBeLessThan(CASES * 0.03);
  // The cases exercise what they are meant to.
  expect(counts.matched).toBeGreaterThan(CASES * 0.3);
  expect(counts.matched).toBeLessThan(CASES * 0.95);
  expect(counts.positive).toBeGreaterThan(CASES * 0.5);
  expect(counts.phrases).toBeGreaterThan(CASES * 0.1);
});

// Part two: random tsqueries against random vectors.
const LEXEMES = ['a', 'b', 'c', 'd', 'e', 'ab', "it's", 'back\\slash', 'café', '\u{1d518}x', '\uff21', 'zz'];

const PHRASE_LEXEMES = LEXEMES.slice(0, 4);

function quote(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * A random tsvector's text. With `phrases`, the few lexemes the phrase queries use are nearly always there, at a
 * few close positions, so phrase operators succeed and fail by position rather than by absence.
 */
function randomVectorText(g: Gen, phrases: boolean): string {
  if (g.chance(0.03)) return '';
  const mode = g.random();
  // Positions: a few near the start, near the 16383 limit (where phrase offsets run past it), or many.
  const [low, high] = mode < 0.6 ? [1, phrases ? 8 : 10] : mode < 0.85 ? [16_376, 16_383] : [1, 400];
  const entries: string[] = [];
  for (const lexeme of LEXEMES) {
    if (!g.chance(phrases && PHRASE_LEXEMES.includes(lexeme) ? 0.9 : 0.55)) continue;
    if (g.chance(0.06)) {
      entries.push(quote(lexeme)); // stripped: no positions
      continue;
    }
    const positions = new Set<number>();
    const count = high === 400 ? g.int(5, 300) : g.int(1, phrases ? 3 : 5);
    for (let i = 0; i < count; i++) positions.add(g.int(low, high));
    const list = [...positions].sort((x, y) => x - y).map((p) => `${p}${g.pick(['', '', 'A', 'B', 'C', 'D'])}`);
    entries.push(`${quote(lexeme)}:${list.join(',')}`);
  }
  return entries.join(' ');
}

/**
 * A random tsquery, printed fully parenthesised (Postgres prints it back its own way). With `phrases`, most
 * operators are phrase operators, so ANDs, ORs and NOTs end up inside them.
 */
function randomQueryText(g: Gen, depth: number, phrases: boolean): string {
  if (depth === 0 || g.chance(0.25)) return quote(g.pick(phrases ? PHRASE_LEXEMES : LEXEMES));
  const kind = g.random();
  if (kind < 0.18) return `!( ${randomQueryText(g, depth - 1, phrases)} )`;
  const left = randomQueryText(g, depth - 1, phrases);
  const right = randomQueryText(g, depth - 1, phrases);
  const phraseFrom = phrases ? 0.38 : 0.58;
  const op =
    kind < phraseFrom ? (g.chance(0.5) ? '&' : '|') : g.chance(0.06) ? `<${g.pick([16_380, 16_384, 200])}>` : `<${g.pick([0, 1, 1, 1, 2, 3])}>`;
  return `( ${left} ${op} ${right} )`;
}

/** Hand-picked corners of TS_phrase_execute (each also in tsMatch.unit.test.ts with Postgres's answer). */
const TRICKY = [
  // A failed phrase keeps its width under OR only when it is not reset: Postgres resets it (true).
  { vector: "'a':1 'b':5 'c':3 'd':4", query: "('a' <-> 'b' | 'c') <-> 'd'" },
  // ... but a NOT keeps a failed phrase's width (true).
  { vector: "'a':1 'b':5 'c':3 'd':4", query: "!('a' <-> 'b') <-> 'd'" },
  // OR right-aligns 'c' to width 1: 16383 + 1 wraps to 0 in the uint16 WordEntryPos (false).
  { vector: "'a':16382 'c':16383 'x':1 'y':2", query: "'a' <-> ('c' | 'x' <-> 'y')" },
  { vector: "'a':16382 'c':16383", query: "'a' <-> ('c' | 'x' <-> 'y')" },
  // A phrase over an entry without positions is MAYBE, which counts as no match, even under NOT (true).
  { vector: "'a' 'd':4", query: "!('a' <-> 'd')" },
  { vector: "'a' 'd':4", query: "'a' <-> 'd'" },
  { vector: "'a':1,3 'b':2", query: "!'b' <-> 'a'" },
  { vector: "'a':1,3 'b':2", query: "'a' <-> !'a'" },
  { vector: "'a':1 'b':1", query: "'a' <0> 'b'" },
];

interface RandomRow {
  vector: string;
  query: string;
  matched: boolean;
  rank: number;
}

test('random tsqueries (NOT inside phrases, nested phrases, stripped entries): the same @@ and ts_rank as Postgres', async () => {
  const g = new Gen(seeded(7_311));
  const cases = Array.from({ length: RANDOM_QUERY_CASES }, () => {
    const phrases = g.chance(0.5);
    return { vector: randomVectorText(g, phrases), query: randomQueryText(g, g.int(1, phrases ? 4 : 5), phrases) };
  });
  cases.push(...TRICKY);
  const counts = { cases: 0, matched: 0, matchAgree: 0, ranked: 0, rankAgree: 0, unsupported: 0, notInPhrase: 0 };
  const failures: string[] = [];
  for (let start = 0; start < cases.length; start += BATCH) {
    const batch = cases.slice(start, start + BATCH);
    const { rows } = await client.query<RandomRow>(
      `SELECT v::text AS vector, q::text AS query, v @@ q AS matched, ts_rank(v, q, 32)::float8 AS rank
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS c(vt, qt, i)
        CROSS JOIN LATERAL (SELECT c.vt::tsvector AS v, c.qt::tsquery AS q) AS x
        ORDER BY c.i`,
      [batch.map((c) => c.vector), batch.map((c) => c.query)],
    );
    rows.forEach((row, i) => {
      counts.cases++;
      const vector = parseTsVector(row.vector);
      const printed = parseTsQuery(row.query);
      const written = parseTsQuery(batch[i]!.query);
      if (row.matched) counts.matched++;
      if (notInsidePhrase(printed, false)) counts.notInPhrase++;
      for (const [label, query] of [['printed', printed], ['written', written]] as const) {
        const mine = matches(vector, query);
        if (label === 'printed' && mine === row.matched) counts.matchAgree++;
        if (mine !== row.matched) failures.push(`@@ (${label}) ${row.vector} @@ ${row.query}: postgres ${row.matched}, index ${mine}`);
      }
      const rank = rankOrUnsupported(vector, printed);
      if (rank === 'unsupported') {
        counts.unsupported++;
        return;
      }
      counts.ranked++;
      if (rank === row.rank) counts.rankAgree++;
      else failures.push(`ts_rank ${row.vector} / ${row.query}: postgres ${row.rank}, index ${rank}`);
    });
  }
  console.log(`search text fidelity (random tsqueries): ${JSON.stringify(counts)}`);
  expect(failures.slice(0, 20)).toEqual([]);
  expect(counts.matchAgree).toBe(RANDOM_QUERY_CASES + TRICKY.length);
  expect(counts.rankAgree).toBe(counts.ranked);
  expect(counts.ranked).toBeGreaterThan(RANDOM_QUERY_CASES * 0.4);
  expect(counts.matched).toBeGreaterThan(RANDOM_QUERY_CASES * 0.2);
  expect(counts.notInPhrase).toBeGreaterThan(100);
});
