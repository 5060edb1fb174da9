// The follow logic on its own: an in-memory log stands in for the table, and a follower that hands its events to
// listeners when told to, as the real one does after each read of the log.
import type { StoredEvent } from './events';
import type { LogFollower, LogListener } from './followLog';
import { compareLogPositions, type LogPosition } from './logPosition';
import { type FollowSource, readAndFollowItems, readAndFollowPages } from './readAndFollow';

interface Item extends LogPosition {
  n: number;
}

function memoryLog() {
  const table: Item[] = [];
  const listeners = new Set<LogListener>();
  let delivered: LogPosition = { transactionId: '0', position: '0' };
  const reads: [string, string][] = [];
  const follower: LogFollower = {
    ready: () => Promise.resolve(),
    listen(listener) {
      listeners.add(listener);
      return { position: delivered, unsubscribe: () => listeners.delete(listener) };
    },
    wake: () => undefined,
    stop: () => Promise.resolve(),
  };
  const source: FollowSource<Item> = {
    async readPage(after, upTo, limit) {
      reads.push([after.position, upTo.position]);
      return table.filter((i) => compareLogPositions(i, after) > 0 && compareLogPositions(i, upTo) <= 0).slice(0, limit);
    },
    fromLive: (event) => (event as unknown as { item: Item }).item,
    positionOf: (item) => item,
  };
  return {
    follower,
    source,
    reads,
    listeners,
    /** Appends n items; the follower hands them over unless `quietly`. */
    append(n: number, quietly = false) {
      for (let i = 0; i < n; i++) {
        const item = { transactionId: '1', position: String(table.length + 1), n: table.length + 1 };
        table.push(item);
        if (!quietly) {
          delivered = item;
          for (const listener of [...listeners]) listener({ item } as unknown as StoredEvent);
        }
      }
    },
    /** The follower catches up with what was appended quietly. */
    deliverRest() {
      for (const item of table.filter((i) => compareLogPositions(i, delivered) > 0)) {
        delivered = item;
        for (const listener of [...listeners]) listener({ item } as unknown as StoredEvent);
      }
    },
  };
}

async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const out: T[] = [];
  while (out.length < count) {
    const next = await iterator.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

const numbers = (items: Item[]) => items.map((i) => i.n);

test('catches up from the table in pages, then hands over live items, each once and in order', async () => {
  const log = memoryLog();
  log.append(25);
  const pages = readAndFollowPages(log.follower, log.source, { after: { transactionId: '0', position: '0' }, pageSize: 10 });
  const first = await take(pages, 3);
  expect(first.map(numbers)).toEqual([range(1, 10), range(11, 20), range(21, 25)]);
  const live = pages.next();
  log.append(3);
  // The first goes straight to the waiting consumer; the two after it wait for the next call, as one page.
  expect(numbers((await live).value as Item[])).toEqual([26]);
  expect(numbers((await pages.next()).value as Item[])).toEqual([27, 28]);
  await pages.return!();
});

test('items one at a time; a live item waits for the consumer, the next is handed straight over', async () => {
  const log = memoryLog();
  log.append(3);
  const items = readAndFollowItems(log.follower, log.source, { after: null });
  const waiting = items.next();
  await Promise.resolve();
  log.append(2);
  expect((await waiting).value).toMatchObject({ n: 4 });
  expect((await items.next()).value).toMatchObject({ n: 5 });
  await items.return!();
});

test('a subscriber whose queue overflows reads what it missed from the table, and loses nothing', async () => {
  const log = memoryLog();
  const items = readAndFollowItems(log.follower, log.source, { after: null, bufferSize: 5, pageSize: 4 });
  const first = items.next();
  await Promise.resolve();
  log.append(1);
  expect((await first).value).toMatchObject({ n: 1 });
  log.append(30); // the consumer is away: the queue overflows
  const rest = await take(items, 30);
  expect(numbers(rest)).toEqual(range(2, 31));
  expect(log.reads.length).toBeGreaterThan(0);
  await items.return!();
});

test('a cursor ahead of this follower (from another process) gets nothing it has already had', async () => {
  const log = memoryLog();
  log.append(2);
  log.append(4, true); // appended, not yet read by this process's follower
  const items = readAndFollowItems(log.follower, log.source, { after: { transactionId: '1', position: '5' } });
  const first = items.next();
  await new Promise((resolve) => setImmediate(resolve));
  log.deliverRest(); // 3 to 6 arrive live; the subscriber had up to 5
  expect((await first).value).toMatchObject({ n: 6 });
  log.append(1);
  expect((await items.next()).value).toMatchObject({ n: 7 });
  expect(log.reads).toEqual([]);
  await items.return!();
});

test('return ends a waiting consumer and stops listening; the end is reported once', async () => {
  const log = memoryLog();
  let closed = 0;
  const items = readAndFollowItems(log.follower, log.source, { after: null }, { onClose: () => closed++ });
  const waiting = items.next();
  await new Promise((resolve) => setImmediate(resolve));
  expect(log.listeners.size).toBe(1);
  await items.return!();
  await items.return!();
  expect(await waiting).toEqual({ done: true, value: undefined });
  expect(await items.next()).toEqual({ done: true, value: undefined });
  expect(log.listeners.size).toBe(0);
  expect(closed).toBe(1);
});

test('a failed table read fails the stream and reports its end', async () => {
  const log = memoryLog();
  log.append(3);
  let closed = 0;
  const broken: FollowSource<Item> = { ...log.source, readPage: () => Promise.reject(new Error('the table is gone')) };
  const pages = readAndFollowPages(log.follower, broken, { after: { transactionId: '0', position: '0' } }, { onClose: () => closed++ });
  await expect(pages.next()).rejects.toThrow('the table is gone');
  expect(closed).toBe(1);
  expect(log.listeners.size).toBe(0);
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
