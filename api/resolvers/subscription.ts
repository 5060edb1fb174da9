// Subscription.crawls: crawl results from the log, resumable by cursor.
import type { StoredEvent } from '../../eventStore/events';
import { decodeLogCursor, encodeLogCursor } from '../../eventStore/logPosition';
import { readAndFollow } from '../../eventStore/readAndFollow';
import { logPositionOf } from '../../eventStore/readLogBatch';
import type { ApiContext } from '../context';
import { userError } from '../errors';
import { fromEnum, toEnum, validName } from './registry';

const CRAWL_RESULTS = ['ReleaseCrawled', 'CrawlFailed', 'CrawlCancelled'] as const;

function outcomeOf(e: StoredEvent): string {
  switch (e.type) {
    case 'ReleaseCrawled':
      return toEnum(e.data.outcome);
    case 'CrawlFailed':
      return 'FAILED';
    case 'CrawlCancelled':
      return 'CANCELLED';
  }
}

export function toCrawlEvent(e: StoredEvent) {
  return {
    cursor: encodeLogCursor(logPositionOf(e)),
    registry: toEnum(e.data.registry),
    name: e.data.name,
    version: e.data.version,
    outcome: outcomeOf(e),
    workflowId: e.data.crawl.workflowId,
    at: e.recordedAt,
  };
}

export const crawlsSubscription = {
  subscribe(_: unknown, args: { registry?: string | null; name?: string | null; after?: string | null }, ctx: ApiContext) {
    const after = args.after ? decodeLogCursor(args.after) : null;
    if (args.after && !after) throw userError('BAD_USER_INPUT', `"${args.after.slice(0, 40)}" is not a stream cursor`);
    const filter = {
      types: CRAWL_RESULTS,
      ...(args.registry && { registry: fromEnum(args.registry) }),
      ...(args.name && { name: validName(args.name) }),
    };
    return ctx.liveStreams.track(readAndFollow(ctx.follower, ctx.pool, { after, filter }));
  },
  resolve: toCrawlEvent,
};
