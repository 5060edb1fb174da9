// The live stream of crawl results: graphql-ws subscriptions fed by the API's log follower.
import { appendAndProject } from '../eventStore/appendAndProject';
import { appendToStream } from '../eventStore/appendToStream';
import type { NewEvent } from '../eventStore/events';
import { startLogFollower } from '../eventStore/followLog';
import { encodeLogCursor } from '../eventStore/logPosition';
import { readAndFollow } from '../eventStore/readAndFollow';
import { readLogBatch, readLogHead } from '../eventStore/readLogBatch';
import { crawlReleases, versionRange } from './support/releases';
import { startStack, type TestStack } from './support/stack';
import { CRAWLS_SUBSCRIPTION, pause, subscribe } from './support/subscriptions';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** Where the log ends now: subscribing after it is subscribing from now, without racing the subscription. */
async function now(): Promise<string> {
  return encodeLogCursor(await readLogHead(stack.pool));
}

/** Versions of a package's crawl results in follower order, as the stream must deliver them. */
async function logOrder(name: string): Promise<string[]> {
  const { rows } = await stack.pool.query<{ version: string }>(
    `SELECT data->>'version' AS version FROM events WHERE data->>'name' = $1 ORDER BY transaction_id, position`,
    [name],
  );
  return rows.map((r) => r.version);
}

function crawledEvent(name: string, version: string): NewEvent {
  const streamId = `npm:${name}@${version}`;
  const now = new Date().toISOString();
  return {
    eventId: `${streamId}/crawled`,
    type: 'ReleaseCrawled',
    data: {
      registry: 'npm', name, version, outcome: 'not_found', publishedAt: null, latestVersion: version, summary: null,
      changelog: null, reason: null, crawl: { workflowId: `crawl:${streamId}`, runId: 'run-1', startedAt: now }, finishedAt: now,
    },
  };
}

test('a subscriber receives each of 100 crawls once, in log order', async () => {
  const subscription = subscribe(stack.api.url, CRAWLS_SUBSCRIPTION, { after: await now() });
  const outcomes = await crawlReleases(stack, 'hundred', versionRange(100));
  expect(outcomes.every((o) => o === 'not_found')).toBe(true);

  const received = await subscription.waitFor(100);
  await pause(500);
  await subscription.close();
  expect(subscription.received).toHaveLength(100);
  expect(received.map((e) => e.version)).toEqual(await logOrder('hundred'));
  expect(new Set(received.map((e) => e.cursor)).size).toBe(100);
  expect(received[0]).toMatchObject({ registry: 'NPM', name: 'hundred', outcome: 'NOT_FOUND', workflowId: expect.stringMatching(/^crawl:npm:hundred@1\.0\.\d+$/) });
});

const CRAWL_BATCHES = `subscription ($name: String, $after: String, $size: Int) {
  crawlBatches(name: $name, after: $after, size: $size) { cursor events { cursor name version outcome } }
}`;

test('crawlBatches catches up in pages of at most `size`, then delivers live results, each once, in log order', async () => {
  const start = await now();
  // 230 results already in the log, appended together (the catch-up reads them as pages), then 20 live ones.
  const versions = versionRange(250);
  for (let i = 0; i < 230; i += 46) await Promise.all(versions.slice(i, i + 46).map((v) => appendAndProject(stack.pool, `npm:batched@${v}`, [crawledEvent('batched', v)])));
  type Batch = { cursor: string; events: { cursor: string; name: string; version: string; outcome: string }[] };
  const subscription = subscribe<Batch>(stack.api.url, CRAWL_BATCHES, { name: 'batched', after: start, size: 100 });
  const count = () => subscription.received.reduce((n, b) => n + b.events.length, 0);
  for (let waited = 0; count() < 230 && waited < 20_000; waited += 50) await pause(50);
  const caughtUp = subscription.received.length;
  // Pages of the table: full pages of 100 but for the last (no page is split into a message per result).
  expect(subscription.received.map((b) => b.events.length)).toEqual([100, 100, 30]);
  for (const v of versions.slice(230)) await appendAndProject(stack.pool, `npm:batched@${v}`, [crawledEvent('batched', v)]);
  for (let waited = 0; count() < 250 && waited < 20_000; waited += 50) await pause(50);
  await pause(500);
  await subscription.close();

  expect(subscription.errors).toEqual([]);
  const events = subscription.received.flatMap((b) => b.events);
  expect(events.map((e) => e.version)).toEqual(await logOrder('batched'));
  expect(events).toHaveLength(250);
  expect(subscription.received.length).toBeGreaterThan(caughtUp);
  for (const batch of subscription.received) {
    expect(batch.events.length).toBeGreaterThan(0);
    expect(batch.cursor).toBe(batch.events.at(-1)!.cursor);
  }
  // Resuming after a batch's cursor gives what followed it, and the same events as the single-result stream.
  const resumed = subscribe(stack.api.url, CRAWLS_SUBSCRIPTION, { name: 'batched', after: subscription.received[0]!.cursor });
  await resumed.waitFor(150);
  await resumed.close();
  expect(resumed.received.map((e) => e.cursor)).toEqual(events.slice(100).map((e) => e.cursor));
});

test('"start" as the cursor reads from the log\'s start', async () => {
  const subscription = subscribe<{ cursor: string; events: { cursor: string }[] }>(stack.api.url, CRAWL_BATCHES, { after: 'start', size: 5_000 });
  await subscription.waitFor(1, 20_000);
  await subscription.close();
  const { rows } = await stack.pool.query<{ n: string }>('SELECT count(*) AS n FROM events');
  const first = await readLogBatch(stack.pool, { limit: 1 });
  expect(subscription.received[0]!.events[0]!.cursor).toBe(encodeLogCursor(first[0]!));
  expect(subscription.received[0]!.events.length).toBe(Math.min(5_000, Number(rows[0]!.n)));
});

test('crawlBatches refuses a size out of range, before reading anything', async () => {
  for (const size of [0, 5_001]) {
    const subscription = subscribe(stack.api.url, CRAWL_BATCHES, { size });
    await expect(subscription.waitFor(1, 10_000)).rejects.toThrow(/size must be between 1 and 5000/);
    await subscription.close();
  }
});

test('a subscriber that reconnects with its last cursor gets the rest exactly once', async () => {
  const first = subscribe(stack.api.url, CRAWLS_SUBSCRIPTION, { name: 'resume', after: await now() });
  await crawlReleases(stack, 'resume', versionRange(60));
  const seen = await first.waitFor(40);
  await first.close(); // whatever arrived after the 40th is dropped, as if lost with the connection
  const lastCursor = seen[39]!.cursor;

  await crawlReleases(stack, 'resume', versionRange(40, 60));
  const second = subscribe(stack.api.url, CRAWLS_SUBSCRIPTION, { name: 'resume', after: lastCursor });
  const rest = await second.waitFor(60);
  await pause(1_000); // nothing more, no duplicate
  await second.close();

  expect(second.received).toHaveLength(60);
  const all = [...seen, ...rest].map((e) => e.version);
  expect(all).toEqual(await logOrder('resume'));
  expect(new Set(all).size).toBe(100);
});

test('an event whose transaction commits late is still delivered, before the later ones', async () => {
  const subscription = subscribe(stack.api.url, CRAWLS_SUBSCRIPTION, { name: 'late', after: await now() });
  const slow = await stack.pool.connect();
  try {
    await slow.query('BEGIN');
    await appendToStream(slow, 'npm:late@1.0.0', [crawledEvent('late', '1.0.0')]);
    // Appended after the open transaction, committed first: a reader ordering by position alone would pass
    // the open transaction's event by and never return to it.
    await appendAndProject(stack.pool, 'npm:late@2.0.0', [crawledEvent('late', '2.0.0')]);
    await pause(1_500);
    expect(subscription.received).toEqual([]);
    await slow.query('COMMIT');
  } finally {
    slow.release();
  }
  const received = await subscription.waitFor(2, 10_000);
  await subscription.close();
  expect(received.map((e) => e.version)).toEqual(['1.0.0', '2.0.0']);
});

test('a subscriber that stops reading neither stalls the others nor loses events', async () => {
  const follower = startLogFollower({ pool: stack.pool, connectionString: stack.config.databaseUrl });
  await follower.ready();
  const filter = { name: 'backlog' };
  const after = await readLogHead(stack.pool);
  const stalled = readAndFollow(follower, stack.pool, { after, filter, bufferSize: 5 });
  const eager = readAndFollow(follower, stack.pool, { after, filter, bufferSize: 5 });
  try {
    const stalledFirst = stalled.next(); // subscribes, then is not read for a while
    const eagerFirst = eager.next();
    for (const version of versionRange(30)) await appendAndProject(stack.pool, `npm:backlog@${version}`, [crawledEvent('backlog', version)]);
    follower.wake();

    const eagerVersions = [((await eagerFirst).value as { data: { version: string } }).data.version];
    while (eagerVersions.length < 30) eagerVersions.push(((await eager.next()).value as { data: { version: string } }).data.version);
    expect(eagerVersions).toEqual(versionRange(30));

    // The stalled subscriber's buffer overflowed long ago: it catches up from the table instead.
    const stalledVersions = [((await stalledFirst).value as { data: { version: string } }).data.version];
    while (stalledVersions.length < 30) stalledVersions.push(((await stalled.next()).value as { data: { version: string } }).data.version);
    expect(stalledVersions).toEqual(versionRange(30));
  } finally {
    await stalled.return?.();
    await eager.return?.();
    await follower.stop();
  }
});

test('the stream is also served as server-sent events', async () => {
  const controller = new AbortController();
  const response = await fetch(stack.api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: CRAWLS_SUBSCRIPTION, variables: { name: 'sse', after: await now() } }),
    signal: controller.signal,
  });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  await appendAndProject(stack.pool, 'npm:sse@1.0.0', [crawledEvent('sse', '1.0.0')]);
  const reader = response.body!.getReader();
  let text = '';
  while (!text.includes('"version":"1.0.0"')) {
    const { value, done } = await reader.read();
    if (done) break;
    text += Buffer.from(value).toString('utf8');
  }
  controller.abort();
  expect(text).toMatch(/event: next\ndata: .*"name":"sse","version":"1.0.0"/);
});

test('the log is read in numeric (transaction, position) order, also across a power of ten', async () => {
  const head = await readLogHead(stack.pool);
  const client = await stack.pool.connect();
  try {
    await client.query('BEGIN');
    const many = Array.from({ length: 1_100 }, (_, i) => ({ ...crawledEvent('bulk', `0.0.${i}`), eventId: `bulk-${i}` }));
    await appendToStream(client, 'npm:bulk', many);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  const read = await readLogBatch(stack.pool, { after: head, limit: 2_000, filter: { name: 'bulk' } });
  expect(read.map((e) => e.data.version)).toEqual(Array.from({ length: 1_100 }, (_, i) => `0.0.${i}`));
});
