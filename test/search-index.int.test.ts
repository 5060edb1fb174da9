// The in-memory search index (api/searchIndex) answers every search exactly as the SQL statement does — the same
// packages, tiers, sort keys and order, page after page — on a generated log, and keeps doing so as crawl results
// arrive (a new package, a changed summary), read from the log.
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { Random } from '../demo/random';
import { appendAndProject } from '../eventStore/appendAndProject';
import { appendAndProjectBatch } from '../eventStore/appendBatch';
import { storeBlobs } from '../eventStore/blobs';
import { type LogFollower, startLogFollower } from '../eventStore/followLog';
import { dropDatabase, openDatabase } from '../infra/db';
import { runSearch, type SearchKey, type SearchRow } from '../api/resolvers/search';
import { createIndexedSearch, type IndexedSearch } from '../api/searchIndex/indexedSearch';
import { testAdminDatabaseUrl } from './support/env';
import { generatedLog } from './support/generatedLog';
import { waitFor } from './support/waitFor';

const url = (() => {
  const u = new URL(testAdminDatabaseUrl());
  u.pathname = `/changelogs_test_search_index_${randomBytes(3).toString('hex')}`;
  return u.toString();
})();
let pool: Pool;
let follower: LogFollower;
let indexed: IndexedSearch;
const answeredBy = { index: 0, sql: 0 };

beforeAll(async () => {
  pool = await openDatabase(url);
  const crawls = [...generatedLog({ seed: 11, releases: 3_000, packages: 1_200 })];
  for (let i = 0; i < crawls.length; i += 200) {
    const slice = crawls.slice(i, i + 200);
    await storeBlobs(pool, slice.flatMap((c) => c.blobs));
    await appendAndProjectBatch(pool, slice.map((c) => c.append));
  }
  follower = startLogFollower({ pool, connectionString: url });
  // Small load pages, so that loading takes several.
  indexed = createIndexedSearch({ pool, follower, fallback: (...args) => runSearch({ pool }, ...args), windowTtlMs: 30_000, loadPageSize: 250, log: () => undefined, info: () => undefined, onSearch: (by) => void answeredBy[by]++ });
  await indexed.loaded();
}, 120_000);

afterAll(async () => {
  indexed?.stop();
  await follower?.stop();
  await pool?.end();
  await dropDatabase(url);
});

interface Search {
  q: string;
  registry: string | null;
}

/** Searches of every kind people make, drawn from the packages (reproducibly), with words no package has. */
async function searches(count: number): Promise<Search[]> {
  const { rows } = await pool.query<{ name: string; summary: string | null }>('SELECT name, summary FROM packages ORDER BY registry, name');
  const random = new Random(5);
  const words = (text: string) => text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 1);
  const changelogWords = ['fixed', 'timeout', 'windows path', 'memory leak', 'typescript', 'reconnect', 'bump', 'deprecated', 'security'];
  const odd = ['the', 'the of', 'and or', '"fast parser"', 'parser -fast', '-fast', 'fast or slow', 'a', 'js', '@', '@types/', 'c++', 'node.js', 'v1.2.3', "it's", 'utf-8', 'zzzzqqq', '"', 'foo:*', 'x & y', 'x | y', '!x'];
  const result: Search[] = [];
  for (let i = 0; i < count; i++) {
    const p = rows[random.int(0, rows.length - 1)]!;
    const nameWords = words(p.name);
    const summaryWords = words(p.summary ?? '');
    const pick = (list: string[], fallback: string) => (list.length ? random.pick(list) : fallback);
    const kind = random.weighted({ exact: 12, prefix: 14, nameWord: 14, summary: 14, twoWords: 12, phrase: 6, changelog: 8, typo: 10, odd: 10 });
    let q: string;
    if (kind === 'exact') q = random.int(0, 3) === 0 ? p.name.toUpperCase() : p.name;
    else if (kind === 'prefix') q = p.name.slice(0, random.int(1, Math.max(1, p.name.length - 1)));
    else if (kind === 'nameWord') q = pick(nameWords, p.name);
    else if (kind === 'summary') q = pick(summaryWords, 'library');
    else if (kind === 'twoWords') q = `${pick(nameWords, p.name)} ${pick(summaryWords, 'library')}`;
    else if (kind === 'phrase') q = `"${(p.summary ?? 'a b c').split(' ').slice(0, 3).join(' ')}"`;
    else if (kind === 'changelog') q = random.pick(changelogWords);
    else if (kind === 'typo') {
      const at = random.int(0, p.name.length - 1);
      q = p.name.slice(0, at) + p.name.slice(at + 1) || p.name;
    } else q = random.pick(odd);
    result.push({ q, registry: random.pick([null, 'npm', 'rubygems', 'pypi']) });
  }
  return result;
}

const keyOf = (row: SearchRow): SearchKey => [row.tier, row.sort_key, row.registry, row.name];

/** Up to three pages of each search from both, compared row for row. */
async function compare(list: Search[], pageSize: number): Promise<{ pages: number; rows: number; tiers: Set<number> }> {
  let pages = 0;
  let rows = 0;
  const tiers = new Set<number>();
  for (const { q, registry } of list) {
    let after: SearchKey | null = null;
    for (let page = 0; page < 3; page++) {
      const [fromSql, fromIndex] = await Promise.all([runSearch({ pool }, q, registry, after, pageSize + 1), indexed.search(q, registry, after, pageSize + 1)]);
      expect({ q, registry, after, rows: fromIndex }).toEqual({ q, registry, after, rows: fromSql });
      pages++;
      rows += fromSql.length;
      for (const row of fromSql) tiers.add(row.tier);
      if (fromSql.length <= pageSize) break;
      after = keyOf(fromSql[pageSize - 1]!);
    }
  }
  return { pages, rows, tiers };
}

test('every search gives what the SQL statement gives, page after page', async () => {
  const list = await searches(600);
  const before = { ...answeredBy };
  const { pages, rows, tiers } = await compare(list, 7);
  // Every part of a search shows up: exact, prefix, full text (names, summaries, changelogs), similar names.
  expect([...tiers].sort()).toEqual([0, 1, 2, 3]);
  expect(rows).toBeGreaterThan(pages * 2);
  const byIndex = answeredBy.index - before.index;
  const bySql = answeredBy.sql - before.sql;
  console.log(`search index: ${pages} pages of ${list.length} searches, ${rows} rows alike; ${byIndex} answered through the index, ${bySql} by SQL alone`);
  // Only the odd few (a lone negation, a stop-word phrase, prefix syntax) go to SQL alone.
  expect(bySql / (byIndex + bySql)).toBeLessThan(0.05);
});

test('crawl results reach the index: a new package and a changed summary are found as Postgres finds them', async () => {
  const release = (name: string, version: string, summary: string) => ({
    eventId: `npm:${name}@${version}/crawled/${randomBytes(4).toString('hex')}`,
    type: 'ReleaseCrawled' as const,
    data: {
      registry: 'npm' as const, name, version, outcome: 'not_found' as const, publishedAt: null, latestVersion: version, summary, changelog: null, reason: null,
      crawl: { workflowId: `crawl:npm:${name}@${version}`, runId: randomBytes(4).toString('hex'), startedAt: new Date().toISOString() }, finishedAt: new Date().toISOString(),
    },
  });
  const { rows } = await pool.query<{ name: string }>("SELECT name FROM packages WHERE registry = 'npm' ORDER BY name LIMIT 1");
  const existing = rows[0]!.name;
  await appendAndProject(pool, `npm:quokkafetch@1.0.0`, [release('quokkafetch', '1.0.0', 'Marsupial transport for wombatish payloads')]);
  await appendAndProject(pool, `npm:${existing}@99.0.0`, [release(existing, '99.0.0', 'Now wombatish too')]);
  const names = async (q: string) => (await indexed.search(q, null, null, 20)).map((r) => r.name);
  await waitFor('the new package in the index', async () => ((await names('quokkafetch')).includes('quokkafetch') ? true : undefined), 10_000);
  await waitFor('the changed summary in the index', async () => ((await names('wombatish')).includes(existing) ? true : undefined), 10_000);
  await compare(['quokkafetch', 'quokka', 'wombatish', 'marsupial payload', 'quokkafech', existing].map((q) => ({ q, registry: null })), 5);
});
