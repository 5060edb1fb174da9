import { type NpmRegistrySimulator, startNpmRegistry } from './npmRegistry';

let npm: NpmRegistrySimulator;
beforeEach(async () => {
  npm = await startNpmRegistry();
});
afterEach(async () => {
  await npm.close();
});

interface ChangesBody {
  results: { seq: number; id: string; changes: { rev: string }[]; deleted?: boolean }[];
  last_seq: number;
}

async function changes(query: string): Promise<ChangesBody> {
  const response = await fetch(`${npm.replicateUrl}/_changes?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as ChangesBody;
}

async function packumentRev(name: string): Promise<string> {
  const response = await fetch(`${npm.url}/${name}`);
  return ((await response.json()) as { _rev: string })._rev;
}

test('the database info reports the update_seq a fresh follower starts from', async () => {
  await npm.publish({ name: 'a', version: '1.0.0' });
  await npm.publish({ name: 'b', version: '1.0.0' });
  const info = (await (await fetch(`${npm.replicateUrl}/`)).json()) as Record<string, unknown>;
  expect(info).toMatchObject({ db_name: 'registry', engine: 'npm-replicate', update_seq: 2, doc_count: 2 });
});

test('changes come in seq order, limited, and each carries the rev the packument serves', async () => {
  for (const name of ['a', 'b', 'c']) await npm.publish({ name, version: '1.0.0' });
  const first = await changes('since=0&limit=2');
  expect(first.results.map((r) => [r.seq, r.id])).toEqual([[1, 'a'], [2, 'b']]);
  expect(first.last_seq).toBe(2);
  const rest = await changes(`since=${first.last_seq}&limit=10`);
  expect(rest.results.map((r) => r.id)).toEqual(['c']);
  expect(rest.results[0]!.changes[0]!.rev).toBe(await packumentRev('c'));
  expect(rest.results[0]!.changes[0]!.rev).toMatch(/^1-[0-9a-f]{32}$/);
});

test('a caught-up follower gets no results and its own since back, at once', async () => {
  await npm.publish({ name: 'a', version: '1.0.0' });
  const started = Date.now();
  expect(await changes('since=1')).toEqual({ results: [], last_seq: 1 });
  expect(await changes('since=57')).toEqual({ results: [], last_seq: 57 });
  expect(Date.now() - started).toBeLessThan(500);
});

test('a package published several times appears once, at its newest seq and rev', async () => {
  await npm.publish({ name: 'a', version: '1.0.0' });
  await npm.publish({ name: 'b', version: '1.0.0' });
  await npm.publish({ name: 'a', version: '1.1.0' });
  const { results } = await changes('since=0');
  expect(results.map((r) => [r.seq, r.id, r.changes[0]!.rev.split('-')[0]])).toEqual([
    [2, 'b', '1'],
    [3, 'a', '2'],
  ]);
  expect(await packumentRev('a')).toBe(results[1]!.changes[0]!.rev);
});

test.each([
  ['feed=longpoll', 'feed=longpoll&since=0'],
  ['feed=continuous', 'feed=continuous&since=0'],
  ['a timeout', 'since=0&timeout=30000'],
  ['since=now', 'since=now'],
  ['include_docs=true', 'since=0&include_docs=true'],
  ['a non-numeric since', 'since=12-g1AAAA'],
  ['a limit over 10000', 'since=0&limit=10001'],
])('%s is rejected with a CouchDB-style 400', async (_what, query) => {
  const response = await fetch(`${npm.replicateUrl}/_changes?${query}`);
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({ error: 'bad_request', reason: expect.any(String) });
});

test('POST to _changes is rejected with 400', async () => {
  const response = await fetch(`${npm.replicateUrl}/_changes?since=0`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
  expect(response.status).toBe(400);
  expect(((await response.json()) as { error: string }).error).toBe('bad_request');
});

test('design documents appear in the feed but are not packages', async () => {
  await npm.publish({ name: 'a', version: '1.0.0' });
  npm.injectDesignDoc('scratch');
  const { results } = await changes('since=0');
  expect(results.map((r) => r.id)).toEqual(['a', '_design/scratch']);
  expect((await fetch(`${npm.url}/_design%2fscratch`)).status).toBe(404);
});

test('an unpublish is a deleted change and the packument then 404s', async () => {
  await npm.publish({ name: 'gone', version: '1.0.0' });
  npm.unpublish('gone');
  const { results } = await changes('since=0');
  expect(results).toEqual([{ seq: 2, id: 'gone', changes: [{ rev: expect.stringMatching(/^2-/) }], deleted: true }]);
  expect((await fetch(`${npm.url}/gone`)).status).toBe(404);
  expect((await fetch(`${npm.url}/gone/-/gone-1.0.0.tgz`)).status).toBe(404);
});

test('after a sequence reset update_seq drops and new changes follow from the small number', async () => {
  for (const name of ['a', 'b', 'c', 'd']) await npm.publish({ name, version: '1.0.0' });
  npm.resetSequence(1);
  const info = (await (await fetch(`${npm.replicateUrl}/`)).json()) as { update_seq: number };
  expect(info.update_seq).toBe(1);
  // A follower still at 4 sees nothing, ever, unless it notices the reset.
  await npm.publish({ name: 'e', version: '1.0.0' });
  expect(await changes('since=4')).toEqual({ results: [], last_seq: 4 });
  expect((await changes('since=1')).results.map((r) => [r.seq, r.id])).toEqual([[2, 'e']]);
});

test('stale reads serve the previous rev, below the change rev, then the current one', async () => {
  await npm.publish({ name: 'lagging', version: '1.0.0' });
  await npm.publish({ name: 'lagging', version: '1.1.0' });
  npm.staleReadsFor('lagging', 2);
  const changeRev = (await changes('since=0')).results[0]!.changes[0]!.rev;
  const stale = (await (await fetch(`${npm.url}/lagging`)).json()) as { _rev: string; versions: Record<string, unknown> };
  expect(stale._rev.split('-')[0]).toBe('1');
  expect(Object.keys(stale.versions)).toEqual(['1.0.0']);
  expect((await packumentRev('lagging')).split('-')[0]).toBe('1');
  expect(await packumentRev('lagging')).toBe(changeRev);
});

test('with replica lag a just-published package is not there yet, then appears', async () => {
  npm.lagPackuments(150);
  await npm.publish({ name: 'fresh', version: '1.0.0' });
  expect((await changes('since=0')).results.map((r) => r.id)).toEqual(['fresh']);
  expect((await fetch(`${npm.url}/fresh`)).status).toBe(404);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect((await fetch(`${npm.url}/fresh`)).status).toBe(200);
});

test('faults can be injected on the feed, with Retry-After', async () => {
  npm.replicate.failNext('/registry/_changes', 503, { retryAfter: 7 });
  const failed = await fetch(`${npm.replicateUrl}/_changes?since=0`);
  expect(failed.status).toBe(503);
  expect(failed.headers.get('retry-after')).toBe('7');
  expect((await fetch(`${npm.replicateUrl}/_changes?since=0`)).status).toBe(200);
  expect(npm.replicate.hits('/registry/_changes')).toBe(2);
});
