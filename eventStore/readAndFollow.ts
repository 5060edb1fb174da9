// One subscriber's view of the log: the events after its cursor read from the table, then the live
// events the follower hands over, with no gap and no duplicate between the two.
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
  pageSize?: number;
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
class LiveQueue {
  private items: StoredEvent[] = [];
  private waiter: (() => void) | null = null;
  overflowed = false;
  closed = false;

  constructor(private readonly capacity: number) {}

  push(event: StoredEvent): void {
    if (this.overflowed || this.closed) return;
    if (this.items.length >= this.capacity) {
      this.overflowed = true;
      this.items = [];
    } else {
      this.items.push(event);
    }
    this.notify();
  }

  close(): void {
    this.closed = true;
    this.notify();
  }

  /** The next event; null when the queue overflowed or was closed. */
  async shift(): Promise<StoredEvent | null> {
    for (;;) {
      if (this.overflowed || this.closed) return null;
      const next = this.items.shift();
      if (next) return next;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private notify(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}

export function readAndFollow(follower: LogFollower, pool: Pool, options: ReadAndFollowOptions): AsyncIterableIterator<StoredEvent> {
  const { filter = {}, bufferSize = 1_000, pageSize = 2_000 } = options;
  let current: LiveQueue | null = null;
  let done = false;

  async function* run(): AsyncGenerator<StoredEvent> {
    await follower.ready();
    let last = options.after;
    while (!done) {
      const queue = new LiveQueue(bufferSize);
      current = queue;
      const subscription = follower.listen((event) => {
        if (matchesFilter(event, filter)) queue.push(event);
      });
      try {
        const head = subscription.position;
        if (last === null) last = head;
        // Everything up to `head` has already been handed out live: it comes from the table, the next page read
        // while this one is handed out, so a long catch-up goes at the speed of the slower of the two.
        let next = compareLogPositions(last, head) < 0 ? readLogBatch(pool, { after: last, upTo: head, limit: pageSize, filter }) : null;
        while (!done && next) {
          const page = await next;
          const end = page.length < pageSize ? null : logPositionOf(page[page.length - 1]!);
          next = end ? readLogBatch(pool, { after: end, upTo: head, limit: pageSize, filter }) : null;
          next?.catch(() => undefined); // awaited on the next turn; an error surfaces there
          for (const event of page) {
            if (done) break;
            yield event;
            last = logPositionOf(event);
          }
          if (!end) last = head;
        }
        for (;;) {
          const event = await queue.shift();
          if (!event) break; // overflowed (catch up from the table) or closed
          if (compareLogPositions(logPositionOf(event), last) <= 0) continue;
          yield event;
          last = logPositionOf(event);
        }
      } finally {
        subscription.unsubscribe();
      }
    }
  }

  const events = run();
  return {
    next: () => events.next(),
    async return() {
      done = true;
      (current as LiveQueue | null)?.close();
      return events.return(undefined);
    },
    async throw(err: unknown) {
      done = true;
      (current as LiveQueue | null)?.close();
      return events.throw(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
