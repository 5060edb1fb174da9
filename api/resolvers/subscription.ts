// Subscription.crawls and Subscription.crawlBatches: crawl results from the log, resumable by cursor. Both read
// lean rows (eventStore/crawlResults.ts); crawlBatches hands them over as they are read, a page at a time, for a
// client catching up on a long stretch of the log.
import { type CrawlResult, crawlResultSource } from '../../eventStore/crawlResults';
import { decodeLogCursor, encodeLogCursor, LOG_START } from '../../eventStore/logPosition';
import { readAndFollowItems, readAndFollowPages } from '../../eventStore/readAndFollow';
import type { ApiContext } from '../context';
import { userError } from '../errors';
import { fromEnum, toEnum, validName } from './registry';

/** The `after` that asks for the log from its start. */
export const FROM_START = 'start';

/** The most results a batch holds, and the default. */
export const MAX_BATCH_SIZE = 5_000;
const DEFAULT_BATCH_SIZE = 1_000;

export function toCrawlEvent(r: CrawlResult) {
  return {
    cursor: encodeLogCursor(r),
    registry: toEnum(r.registry),
    name: r.name,
    version: r.version,
    outcome: toEnum(r.outcome),
    workflowId: r.workflowId,
    at: r.recordedAt,
  };
}

interface StreamArgs {
  registry?: string | null;
  name?: string | null;
  after?: string | null;
}

/** Where the subscriber's stream starts, and the crawl results it wants. */
function followedResults(args: StreamArgs, ctx: ApiContext) {
  const after = args.after === FROM_START ? LOG_START : args.after ? decodeLogCursor(args.after) : null;
  if (args.after && !after) throw userError('BAD_USER_INPUT', `"${args.after.slice(0, 40)}" is not a stream cursor`);
  const filter = {
    ...(args.registry && { registry: fromEnum(args.registry) }),
    ...(args.name && { name: validName(args.name) }),
  };
  return { after, source: crawlResultSource(ctx.pool, filter) };
}

export const crawlsSubscription = {
  subscribe(_: unknown, args: StreamArgs, ctx: ApiContext) {
    const { after, source } = followedResults(args, ctx);
    return ctx.liveStreams.track((onClose) => readAndFollowItems(ctx.follower, source, { after }, { onClose }));
  },
  resolve: toCrawlEvent,
};

export const crawlBatchesSubscription = {
  subscribe(_: unknown, args: StreamArgs & { size?: number | null }, ctx: ApiContext) {
    const size = args.size ?? DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH_SIZE) throw userError('BAD_USER_INPUT', `size must be between 1 and ${MAX_BATCH_SIZE}, not ${size}`);
    const { after, source } = followedResults(args, ctx);
    return ctx.liveStreams.track((onClose) => readAndFollowPages(ctx.follower, source, { after, pageSize: size }, { onClose }));
  },
  resolve: (results: CrawlResult[]) => ({ events: results.map(toCrawlEvent), cursor: encodeLogCursor(results[results.length - 1]!) }),
};
