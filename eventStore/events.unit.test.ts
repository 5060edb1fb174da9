// The event types are checked by the compiler (`npm run typecheck` covers this file): a stored event narrows on its
// `type`, so readers of the log need no casts. Each @ts-expect-error below fails the typecheck if it stops being an
// error, that is, if the union stops being discriminated.
import type { NewEvent, StoredEvent } from './events';

function describe(event: StoredEvent): string {
  switch (event.type) {
    case 'ReleaseCrawled':
      // @ts-expect-error a crawled release has no error
      void event.data.error;
      return `${event.data.name} ${event.data.outcome}`;
    case 'CrawlFailed':
      // @ts-expect-error a failed crawl has no outcome
      void event.data.outcome;
      return `${event.data.name} failed: ${event.data.error}`;
    case 'CrawlCancelled':
      // @ts-expect-error a cancelled crawl has no error
      void event.data.error;
      return `${event.data.name} cancelled`;
  }
}

const crawl = { workflowId: 'crawl:npm:a@1.0.0', runId: 'run', startedAt: '2024-01-01T00:00:00.000Z' };
const recorded = { position: '1', transactionId: '1', streamId: 'npm:a@1.0.0', streamPosition: 1, recordedAt: '2024-01-01T00:00:01.000Z' };

test('a stored event narrows on its type', () => {
  const failed: StoredEvent = {
    eventId: 'npm:a@1.0.0/failed/run',
    type: 'CrawlFailed',
    data: { registry: 'npm', name: 'a', version: '1.0.0', error: 'boom', crawl, finishedAt: '2024-01-01T00:00:01.000Z' },
    ...recorded,
  };
  expect(describe(failed)).toBe('a failed: boom');
});

test('an event whose data belongs to another type is not an event', () => {
  const mixed: NewEvent = {
    eventId: 'npm:a@1.0.0/crawled',
    type: 'ReleaseCrawled',
    // @ts-expect-error the data of a CrawlFailed under the type ReleaseCrawled
    data: { registry: 'npm', name: 'a', version: '1.0.0', error: 'boom', crawl, finishedAt: '2024-01-01T00:00:01.000Z' },
  };
  expect(mixed.type).toBe('ReleaseCrawled');
});
