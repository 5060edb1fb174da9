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
 * One subscriber's position in the log and what it has yet to hand over: pages read from the table while it is
 * behind the follower, then the live events the follower pushes.
 *
 * Live events wait in a bounded queue. When it overflows the queue is dropped and the subscriber catches up from
 * the table from its last delivered position: a slow subscriber costs itself reads, never the follower or other
 * subscribers a stall, and never loses an event.
 *
 * Written as a plain object rather than an async generator under a chain of wrapping iterators: a live event goes
 * from the follower's call to the waiting consumer in one promise, with no generator to resume. With thousands of
 * subscribers per process, the generator and wrappers were most of the CPU an event's delivery took.
 */
class Followed<T> {
  private readonly bufferSize: number;
  private readonly pageSize: number;
  /** The last position handed over (null until the first subscription tells where the log ends). */
  private last: LogPosition | null;
  /** Live items received since the current subscription started, not yet handed over. */
  private live: T[] = [];
  private overflowed = false;
  private subscription: { position: LogPosition; unsubscribe(): void } | null = null;
  /** The consumer waiting for the next live item, if any. */
  private waiter: { resolve(result: IteratorResult<T[]>): void; reject(err: unknown): void } | null = null;
  /** The next page of a catch-up from the table (up to where the subscription started), already being read. */
  private reading: Promise<T[]> | null = null;
  private closed = false;

  constructor(
    private readonly follower: LogFollower,
    private readonly source: FollowSource<T>,
    options: ReadAndFollowOptions,
    private readonly onClose: () => void,
  ) {
    this.bufferSize = options.bufferSize ?? 1_000;
    this.pageSize = options.pageSize ?? 2_000;
    this.last = options.after;
  }

  /** The next page: never empty, in log order, each item once. */
  nextPage(): Promise<IteratorResult<T[]>> {
    if (this.closed) return DONE;
    if (this.subscription && !this.reading && !this.overflowed) {
      const fresh = this.takeLive();
      if (fresh) return Promise.resolve({ done: false, value: fresh });
      return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
    }
    return this.catchUp();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.live = [];
    this.reading = null;
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.resolve({ done: true, value: undefined });
    this.onClose();
  }

  /** Live items newer than the last handed over (at most a page), or null when there are none. */
  private takeLive(): T[] | null {
    while (this.live.length > 0) {
      const items = this.live.length <= this.pageSize ? this.live : this.live.slice(0, this.pageSize);
      this.live = items === this.live ? [] : this.live.slice(this.pageSize);
      // Live items are in log order; those the subscriber already has (its cursor came from a process whose
      // follower is further along) are passed over.
      const from = items.findIndex((item) => compareLogPositions(this.source.positionOf(item), this.last!) > 0);
      if (from >= 0) {
        const fresh = from === 0 ? items : items.slice(from);
        this.last = this.source.positionOf(fresh[fresh.length - 1]!);
        return fresh;
      }
    }
    return null;
  }

  /** The follower's call, synchronous: queue the item, or hand it straight to a waiting consumer. */
  private readonly onEvent = (event: StoredEvent): void => {
    const item = this.source.fromLive(event);
    if (item === null || this.overflowed) return;
    if (this.live.length >= this.bufferSize) {
      this.overflowed = true;
      this.live = [];
    } else {
      this.live.push(item);
    }
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = null;
    if (this.overflowed) {
      this.catchUp().then(waiter.resolve, waiter.reject);
      return;
    }
    const fresh = this.takeLive();
    if (fresh) waiter.resolve({ done: false, value: fresh });
    else this.waiter = waiter;
  };

  /**
   * (Re)subscribes when needed, then hands over the table's pages up to where the subscription started, the next
   * page read while this one is handed over, so that a long catch-up goes at the speed of the slower of the two.
   */
  private async catchUp(): Promise<IteratorResult<T[]>> {
    try {
      for (;;) {
        if (this.closed) return { done: true, value: undefined };
        if (!this.subscription || this.overflowed) {
          await this.follower.ready();
          if (this.closed) return { done: true, value: undefined };
          this.subscription?.unsubscribe();
          this.live = [];
          this.overflowed = false;
          this.subscription = this.follower.listen(this.onEvent);
          const head = this.subscription.position;
          if (this.last === null) this.last = head;
          this.reading = compareLogPositions(this.last, head) < 0 ? this.source.readPage(this.last, head, this.pageSize) : null;
        }
        if (!this.reading) return this.nextPage();
        const page = await this.reading;
        if (this.closed) return { done: true, value: undefined };
        const head = this.subscription.position;
        // A full page may have more after it; a short one ends the catch-up at the subscription's start.
        const end = page.length < this.pageSize ? null : this.source.positionOf(page[page.length - 1]!);
        this.reading = end ? this.source.readPage(end, head, this.pageSize) : null;
        this.reading?.catch(() => undefined); // awaited on the next call; an error surfaces there
        this.last = end ?? head;
        if (page.length > 0) return { done: false, value: page };
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }
}

const DONE: Promise<IteratorResult<never>> = Promise.resolve({ done: true, value: undefined });

function iteratorOf<T>(next: () => Promise<IteratorResult<T>>, close: () => void): AsyncIterableIterator<T> {
  return {
    next,
    return() {
      close();
      return DONE;
    },
    throw(err: unknown) {
      close();
      return Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export interface FollowHooks {
  /** Called once, when the subscriber's iterator ends (returned, or failed). */
  onClose?: () => void;
}

/** The subscriber's items in pages: never empty, in log order, each item once. */
export function readAndFollowPages<T>(follower: LogFollower, source: FollowSource<T>, options: ReadAndFollowOptions, hooks: FollowHooks = {}): AsyncIterableIterator<T[]> {
  const followed = new Followed(follower, source, options, hooks.onClose ?? (() => undefined));
  return iteratorOf(() => followed.nextPage(), () => followed.close());
}

/** The subscriber's items one at a time: in log order, each once. */
export function readAndFollowItems<T>(follower: LogFollower, source: FollowSource<T>, options: ReadAndFollowOptions, hooks: FollowHooks = {}): AsyncIterableIterator<T> {
  const followed = new Followed(follower, source, options, hooks.onClose ?? (() => undefined));
  let page: T[] = [];
  let at = 0;
  const fromPage = (result: IteratorResult<T[]>): IteratorResult<T> => {
    if (result.done) return { done: true, value: undefined };
    page = result.value;
    at = 1;
    return { done: false, value: page[0]! };
  };
  const next = (): Promise<IteratorResult<T>> => (at < page.length ? Promise.resolve({ done: false, value: page[at++]! }) : followed.nextPage().then(fromPage));
  return iteratorOf(next, () => followed.close());
}

/** Whole stored events after the cursor, one at a time. */
export function readAndFollow(follower: LogFollower, pool: Pool, options: ReadAndFollowOptions): AsyncIterableIterator<StoredEvent> {
  const filter = options.filter ?? {};
  const source: FollowSource<StoredEvent> = {
    readPage: (after, upTo, limit) => readLogBatch(pool, { after, upTo, limit, filter }),
    fromLive: (event) => (matchesFilter(event, filter) ? event : null),
    positionOf: logPositionOf,
  };
  return readAndFollowItems(follower, source, options);
}
