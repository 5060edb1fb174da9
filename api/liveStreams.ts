// The live-stream subscriptions this server has open (over graphql-ws and server-sent events): counted for
// the metrics, and ended together when the server shuts down, so each client sees its stream complete.
import type { Gauge } from 'prom-client';

export interface LiveStreams {
  /** The same events, counted while open. */
  track<T>(events: AsyncIterableIterator<T>): AsyncIterableIterator<T>;
  /** Ends every open stream. */
  endAll(): Promise<void>;
}

export function createLiveStreams(gauge: Gauge): LiveStreams {
  const open = new Set<AsyncIterableIterator<unknown>>();
  return {
    track<T>(events: AsyncIterableIterator<T>): AsyncIterableIterator<T> {
      const close = () => {
        if (open.delete(stream)) gauge.dec();
      };
      const stream: AsyncIterableIterator<T> = {
        async next() {
          try {
            const result = await events.next();
            if (result.done) close();
            return result;
          } catch (err) {
            close();
            throw err;
          }
        },
        async return(value?: unknown) {
          close();
          return events.return ? events.return(value) : { done: true, value: undefined };
        },
        async throw(err: unknown) {
          close();
          if (events.throw) return events.throw(err);
          throw err;
        },
        [Symbol.asyncIterator]() {
          return this;
        },
      };
      open.add(stream);
      gauge.inc();
      return stream;
    },
    async endAll() {
      await Promise.all([...open].map((stream) => stream.return?.()));
    },
  };
}
