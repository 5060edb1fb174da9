// A real graphql-ws client for tests: collects what a subscription receives and waits for counts.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface CrawlEventPayload {
  cursor: string;
  registry: string;
  name: string;
  version: string;
  outcome: string;
  workflowId: string;
  at: string;
}

export const CRAWLS_SUBSCRIPTION = `subscription ($registry: Registry, $name: String, $after: String) {
  crawls(registry: $registry, name: $name, after: $after) { cursor registry name version outcome workflowId at }
}`;

export interface TestSubscription<T> {
  received: T[];
  errors: unknown[];
  /** Resolves once `count` items have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<T[]>;
  close(): Promise<void>;
}

export function subscribe<T = CrawlEventPayload>(
  apiUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  connectionParams: Record<string, unknown> = {},
): TestSubscription<T> {
  const client = createClient({ url: apiUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: false });
  const received: T[] = [];
  const errors: unknown[] = [];
  let changed: () => void = () => undefined;
  const unsubscribe = client.subscribe<Record<string, T>>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) received.push(Object.values(result.data)[0]!);
        changed();
      },
      error: (err) => {
        errors.push(err);
        changed();
      },
      complete: () => changed(),
    },
  );
  return {
    received,
    errors,
    waitFor(count, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`received ${received.length} of ${count} within ${timeoutMs} ms; errors: ${JSON.stringify(errors)}`)), timeoutMs);
        changed = () => {
          if (errors.length) {
            clearTimeout(timer);
            reject(new Error(`subscription failed: ${JSON.stringify(errors)}`));
          } else if (received.length >= count) {
            clearTimeout(timer);
            resolve(received.slice(0, count));
          }
        };
        changed();
      });
    },
    async close() {
      unsubscribe();
      await client.dispose();
    },
  };
}

/** Waits `ms`, for "nothing more arrives" assertions. */
export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
