// One subscriber's view of the log: the events after its cursor read from the table, then the live
// events the follower hands over, with no gap and no duplicate between the two.
//
// What a subscriber receives is up to its source: whole stored events (readAndFollow), or a lean row per event
// read straight from the table (a stream's catch-up reads only the columns it shows: see crawlResults.ts). Items
// come in pages, as they are read (a page of the table, or the live events queued meanwhile), so a subscriber
// that wants batches gets them without waiting, and one that wants single events flattens them.
import type { Pool } from 'pg';
import type { StoredEvent } from './events';
import type { LogFollower } from './followLog';
import { compareLogPositions, type LogPosition } from './logPosition';
import { type LogFilter, logPositionOf, readLogBatch } from './readLogBatch';

export interface ReadAndFollowOptions {
  /** Resume after this position; only new events when null. */
  after: LogPosition | null;
  filter?: LogFilter;
  /** Live events held for this subscriber while it is busy; past this it reads from the table instead. */
  bufferSize?: number;
  /** Events read from the table at a time, and the most a page of live events holds. */
  pageSize?: number;
}

/** Where a subscriber's items come from: pages of the table, and live events as the follower hands them over. */
export interface FollowSource<T> {
  /** Items after `after` up to `upTo` (inclusive), in log order, at most `limit`. */
  readPage(after: LogPosition, upTo: LogPosition, limit: number): Promise<T[]>;
  /** The item a live event is for this subscriber, or null when it is not for it. Called synchronously. */
  fromLive(event: StoredEvent): T | null;
  positionOf(item: T): LogPosition;
}

export function matchesFilter(event: StoredEvent, filter: LogFilter): boolean {
  if (filter.types && !filter.types.includes(event.type)) return false;
  if (filter.registry !== undefined && event.data.registry !== filter.registry) return false;
  if (filter.name !== undefined && event.data.name !== filter.name) return false;
  return true;
}

/**
 * Live events wait in a bounded queue. When it overflows the queue is dropped and the subscriber catches
 * up from the table from its last delivered position: a slow subscriber costs itself reads, never the
 * follower or other subscribers a stall, and never loses an event.
 */
class LiveQueue<T> {
  private items: T[] = [];
  private waiter: (() => void) | null = null;
  overflowed = false;
  closed = false;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.overflowed || this.closed) return;
    if (this.items.length >= this.capacity) {
      this.overflowed = true;
      this.items = [];
    } else {
      this.items.push(item);
    }
    this.notify();
  }

  close(): void {
    this.closed = true;
    this.notify();
  }

  /** Everything queued (at most `max`), waiting for at least one; null when the queue overflowed or was closed. */
  async take(max: number): Promise<T[] | null> {
    for (;;) {
      if (this.overflowed || this.closed) return null;
      if (this.items.length > 0) return this.items.length <= max ? this.items.splice(0) : this.items.splice(0, max);
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private notify(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}

/** The subscriber's items in pages: never empty, in log order, each item once. */
export function readAndFollowPages<T>(follower: LogFollower, source: FollowSource<T>, options: ReadAndFollowOptions): AsyncIterableIterator<T[]> {
  const { bufferSize = 1_000, pageSize = 2_000 } = options;
  let current: LiveQueue<T> | null = null;
  let done = false;

  async function* run(): AsyncGenerator<T[]> {
    await follower.ready();
    let last = options.after;
    while (!done) {
      const queue = new LiveQueue<T>(bufferSize);
      current = queue;
      const subscription = follower.listen((event) => {
        const item = source.fromLive(event);
        if (item !== null) queue.push(item);
      });
      try {
        const head = subscription.position;
        if (last === null) last = head;
        // Everything up to `head` has already been handed out live: it comes from the table, the next page read
        // while this one is handed out, so a long catch-up goes at the speed of the slower of the two.
        let next = compareLogPositions(last, head) < 0 ? source.readPage(last, head, pageSize) : null;
        while (!done && next) {
          const page = await next;
          const end = page.length < pageSize ? null : source.positionOf(page[page.length - 1]!);
          next = end ? source.readPage(end, head, pageSize) : null;
          next?.catch(() => undefined); // awaited on the next turn; an error surfaces there
          if (done) break;
          if (page.length > 0) {
            yield page;
            last = source.positionOf(page[page.length - 1]!);
          }
          if (!end) last = head;
        }
        for (;;) {
          const items = await queue.take(pageSize);
          if (!items) break; // overflowed (catch up from the table) or closed
          const fresh = items.filter((item) => compareLogPositions(source.positionOf(item), last!) > 0);
          if (fresh.length === 0) continue;
          yield fresh;
          last = source.positionOf(fresh[fresh.length - 1]!);
        }
      } finally {
        subscription.unsubscribe();
      }
    }
  }

  const pages = run();
  return {
    next: () => pages.next(),
    async return() {
      done = true;
      current?.close();
      return pages.return(undefined);
    },
    async throw(err: unknown) {
      done = true;
      current?.close();
      return pages.throw(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** The items of `pages` one at a time. */
export function oneAtATime<T>(pages: AsyncIterableIterator<T[]>): AsyncIterableIterator<T> {
  let page: T[] = [];
  let at = 0;
  return {
    async next() {
      while (at >= page.length) {
        const result = await pages.next();
        if (result.done) return { done: true, value: undefined };
        page = result.value;
        at = 0;
      }
      return { done: false, value: page[at++]! };
    },
    async return() {
      await pages.return?.();
      return { done: true, value: undefined };
    },
    async throw(err: unknown) {
      await pages.return?.();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Whole stored events after the cursor, one at a time. */
export function readAndFollow(follower: LogFollower, pool: Pool, options: ReadAndFollowOptions): AsyncIterableIterator<StoredEvent> {
  const filter = options.filter ?? {};
  const source: FollowSource<StoredEvent> = {
    readPage: (after, upTo, limit) => readLogBatch(pool, { after, upTo, limit, filter }),
    fromLive: (event) => (matchesFilter(event, filter) ? event : null),
    positionOf: logPositionOf,
  };
  return oneAtATime(readAndFollowPages(follower, source, options));
}
