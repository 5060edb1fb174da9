// The live-stream subscriptions this server has open (over graphql-ws and server-sent events): counted for
// the metrics, and ended together when the server shuts down, so each client sees its stream complete.
import type { Gauge } from 'prom-client';

export interface LiveStreams {
  /**
   * Counts the stream `follow` makes as open until it ends, and ends it at shutdown. `follow` gets the callback its
   * stream must call once when it ends (returned or failed): the stream is not wrapped, which would cost every
   * delivery to every subscriber another promise.
   */
  track<T>(follow: (onClose: () => void) => AsyncIterableIterator<T>): AsyncIterableIterator<T>;
  /** Ends every open stream. */
  endAll(): Promise<void>;
}

export function createLiveStreams(gauge: Gauge): LiveStreams {
  const open = new Set<AsyncIterableIterator<unknown>>();
  return {
    track<T>(follow: (onClose: () => void) => AsyncIterableIterator<T>): AsyncIterableIterator<T> {
      // The callback comes after `follow` returns: a stream ends only once it has been asked for something.
      const stream = follow(() => {
        if (open.delete(stream)) gauge.dec();
      });
      open.add(stream);
      gauge.inc();
      return stream;
    },
    async endAll() {
      await Promise.all([...open].map((stream) => stream.return?.()));
    },
  };
}
