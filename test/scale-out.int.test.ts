// Scaled out as in production: two orchestration workers, three crawl workers and two API processes
// against one Temporal server and one Postgres. During a burst of 500 releases one of each is killed with
// SIGKILL; every release is still crawled once, and a live-stream subscriber on each API process (the one
// whose process died resumes on the other from its last cursor) receives every result once, in log order.
import type { ChildProcess } from 'node:child_process';
import { runScenario } from '../demo/scenario';
import { encodeLogCursor } from '../eventStore/logPosition';
import { readLogHead } from '../eventStore/readLogBatch';
import { resultCounts, streamOf } from './support/results';
import { startStack, type TestStack } from './support/stack';
import { CRAWLS_SUBSCRIPTION, type CrawlEventPayload, subscribe, type TestSubscription } from './support/subscriptions';
import { waitFor } from './support/waitFor';
import { type ApiProcess, killHard, startApiProcess, startWorkerProcess } from './support/workerProcess';

const BURST = 500;
// Five processes call RubyGems, whose limit is 10 requests a second: each keeps to its share (see README,
// "Which parts scale how"), so no crawl spends its attempts on 429s.
const ENV = {
  POLL_INTERVAL_SECONDS: '1', FOLLOW_IDLE_SECONDS: '1', FOLLOW_PAGE_SIZE: '40', GITHUB_TOKEN: 'test-token', PYPI_SERIAL_JOURNAL: '1',
  RUBYGEMS_REQUESTS_PER_SECOND: '2',
};

let stack: TestStack;
const processes: ChildProcess[] = [];

/** A live-stream reader that can move to another API process, resuming after the last result it got. */
class Reader {
  private done: CrawlEventPayload[] = [];
  private current: TestSubscription<CrawlEventPayload>;
  constructor(url: string, private after: string) {
    this.current = subscribe<CrawlEventPayload>(url, CRAWLS_SUBSCRIPTION, { after });
  }
  get received(): CrawlEventPayload[] {
    return [...this.done, ...this.current.received];
  }
  async moveTo(url: string): Promise<void> {
    const old = this.current;
    await old.close().catch(() => undefined);
    this.done.push(...old.received);
    this.after = this.done.at(-1)?.cursor ?? this.after;
    this.current = subscribe<CrawlEventPayload>(url, CRAWLS_SUBSCRIPTION, { after: this.after });
  }
  async waitFor(count: number, timeoutMs: number): Promise<void> {
    await this.current.waitFor(count - this.done.length, timeoutMs);
  }
  close(): Promise<void> {
    return this.current.close();
  }
}

beforeAll(async () => {
  stack = await startStack({ env: ENV, crawlWorker: false, orchestrationWorker: false });
});
afterAll(async () => {
  await Promise.all(processes.map((child) => killHard(child)));
  await stack?.stop();
});

test(`${BURST} releases with 2 orchestration workers, 3 crawl workers and 2 API processes, one of each killed -9 midway`, async () => {
  const orchestration = [];
  for (let i = 0; i < 2; i++) orchestration.push(await startWorkerProcess('orchestration', stack.env));
  const crawl = await Promise.all([0, 1, 2].map(() => startWorkerProcess('crawl', stack.env)));
  const apis: ApiProcess[] = await Promise.all([0, 1].map(() => startApiProcess(stack.env)));
  processes.push(...[...orchestration, ...crawl, ...apis].map((p) => p.child));
  // Both orchestration workers ensured discovery; wait until it knows where "now" is in each feed.
  await waitFor('discovery to take its starting positions', async () => {
    const { rows } = await stack.pool.query("SELECT source FROM discovery_cursors WHERE source IN ('npm-follow', 'poll-pypi', 'poll-rubygems')");
    return rows.length === 3 ? true : undefined;
  });
  const after = encodeLogCursor(await readLogHead(stack.pool));
  const readers = apis.map((api) => new Reader(api.url, after));

  const scenario = runScenario(stack.upstreams, { releases: BURST, perSecond: 100, seed: 21 });
  await waitFor('the burst to be under way', async () => ((await resultCounts(stack.pool)).size >= 50 ? true : undefined), 300_000, 250);
  await Promise.all([killHard(orchestration[0]!.child), killHard(crawl[0]!.child), killHard(apis[0]!.child)]);
  const doneAtKill = (await resultCounts(stack.pool)).size;
  expect(doneAtKill).toBeLessThan(BURST);
  await readers[0]!.moveTo(apis[1]!.url);
  await scenario.done;

  const wanted = scenario.published.map(streamOf);
  expect(wanted).toHaveLength(BURST);
  await waitFor(
    `${BURST} releases crawled`,
    async () => {
      const { rows: failed } = await stack.pool.query<{ stream_id: string; error: string }>(
        "SELECT stream_id, data->>'error' AS error FROM events WHERE type = 'CrawlFailed' LIMIT 3",
      );
      if (failed.length > 0) return { failed };
      const counts = await resultCounts(stack.pool);
      const missing = wanted.filter((s) => !counts.has(s));
      if (missing.length > 0) throw new Error(`${missing.length} not crawled yet, e.g. ${missing.slice(0, 3).join(', ')}`);
      return true;
    },
    600_000,
    1000,
  ).then((result) => expect(result).toBe(true));
  // Stragglers (a duplicate, if a takeover ever made one) get time to land before counting.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const counts = await resultCounts(stack.pool);
  expect(wanted.filter((s) => counts.get(s) !== 1)).toEqual([]);
  expect([...counts.keys()].filter((s) => !wanted.includes(s))).toEqual([]);

  const { rows } = await stack.pool.query<{ stream_id: string }>(
    `SELECT stream_id FROM events WHERE type = 'ReleaseCrawled' ORDER BY transaction_id, position`,
  );
  const logOrder = rows.map((r) => r.stream_id);
  for (const reader of readers) {
    await reader.waitFor(BURST, 60_000);
    const received = reader.received;
    expect(received.map((e) => streamOf({ registry: e.registry.toLowerCase(), name: e.name, version: e.version }))).toEqual(logOrder);
    expect(new Set(received.map((e) => e.cursor)).size).toBe(BURST);
  }
  await Promise.all(readers.map((r) => r.close()));
}, 900_000);
