// One follower per process tails the log and hands each new event to its listeners. NOTIFY only wakes it;
// a periodic poll covers a lost notification or a dropped LISTEN connection.
import { Client, type Pool } from 'pg';
import type { StoredEvent } from './events';
import type { LogPosition } from './logPosition';
import { logPositionOf, readLogBatch, readLogHead } from './readLogBatch';

export interface LogFollowerOptions {
  pool: Pool;
  /** The LISTEN connection is its own, outside the pool. */
  connectionString: string;
  pollIntervalMs?: number;
  batchSize?: number;
  onError?: (err: Error) => void;
}

export type LogListener = (event: StoredEvent) => void;

export interface LogFollower {
  /** Resolves once the follower knows where the log ends. */
  ready(): Promise<void>;
  /**
   * Every event after `position` goes to the listener, in log order, until unsubscribed. Listeners are
   * called synchronously and must not block: a slow consumer buffers (and gives up) on its own side.
   */
  listen(listener: LogListener): { position: LogPosition; unsubscribe(): void };
  /** Reads now, rather than at the next notification or poll. */
  wake(): void;
  stop(): Promise<void>;
}

const CHANNEL = 'events_appended';

export function startLogFollower(options: LogFollowerOptions): LogFollower {
  const { pool, pollIntervalMs = 1_000, batchSize = 500 } = options;
  const onError = options.onError ?? (() => undefined);
  const listeners = new Set<LogListener>();
  let checkpoint: LogPosition | null = null;
  let stopped = false;
  let pumping: Promise<void> | null = null;
  let again = false;
  let listenClient: Client | null = null;
  let reconnectTimer: NodeJS.Timeout | null = null;

  const ready = readLogHead(pool).then((head) => {
    checkpoint = head;
  });
  ready.catch((err: unknown) => onError(asError(err)));

  async function drain(): Promise<void> {
    await ready;
    do {
      again = false;
      for (;;) {
        if (stopped) return;
        const batch = await readLogBatch(pool, { after: checkpoint, limit: batchSize });
        for (const event of batch) {
          checkpoint = logPositionOf(event);
          for (const listener of listeners) {
            try {
              listener(event);
            } catch (err) {
              onError(asError(err));
            }
          }
        }
        if (batch.length < batchSize) break;
      }
    } while (again && !stopped);
  }

  function wake(): void {
    if (stopped) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = drain()
      .catch((err: unknown) => onError(asError(err)))
      .finally(() => {
        pumping = null;
        if (again) wake();
      });
  }

  async function connectListener(): Promise<void> {
    if (stopped) return;
    const client = new Client({ connectionString: options.connectionString });
    let failed = false;
    const retry = (err: Error) => {
      if (failed) return;
      failed = true;
      onError(err);
      if (listenClient === client) listenClient = null;
      client.end().catch(() => undefined);
      if (!stopped && !reconnectTimer) {
        reconnectTimer = setTimeout(() => {
          reconnectTimer = null;
          void connectListener();
        }, pollIntervalMs);
      }
    };
    client.on('error', retry);
    client.on('end', () => stopped || retry(new Error('the LISTEN connection to Postgres closed')));
    client.on('notification', wake);
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      if (stopped) {
        await client.end();
        return;
      }
      listenClient = client;
      wake(); // anything appended while we were not listening
    } catch (err) {
      retry(asError(err));
    }
  }

  void connectListener();
  const poll = setInterval(wake, pollIntervalMs);
  poll.unref();
  wake();

  return {
    ready: () => ready,
    listen(listener) {
      if (!checkpoint) throw new Error('the log follower is not ready: await ready() first');
      listeners.add(listener);
      return { position: checkpoint, unsubscribe: () => listeners.delete(listener) };
    },
    wake,
    async stop() {
      stopped = true;
      clearInterval(poll);
      if (reconnectTimer) clearTimeout(reconnectTimer);
      listeners.clear();
      await pumping;
      await listenClient?.end().catch(() => undefined);
      listenClient = null;
    },
  };
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
