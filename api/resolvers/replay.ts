import type { ApiContext } from '../context';
import { userError } from '../errors';
import { requireToken } from '../auth';
import { replayCrawls, findFailedCrawls } from '../replay';
import { parseSince } from '../since';
import { startCrawl } from '../../infra/temporal/crawls';
import type { Registry } from '../../workflows/types';
import { toCrawlNode } from './crawlNode';
import { fromEnum } from './registry';

const MAX_WORKFLOW_ID_LENGTH = 400;

export async function replayCrawlMutation(_: unknown, args: { workflowId: string }, ctx: ApiContext) {
  requireToken(ctx);
  if (args.workflowId.length > MAX_WORKFLOW_ID_LENGTH) throw userError('BAD_USER_INPUT', 'workflowId is too long');
  const { rows } = await ctx.pool.query<{ registry: Registry; name: string; version: string; outcome: string }>(
    `SELECT r.registry, r.name, r.version, r.outcome
       FROM releases r
      WHERE (r.registry, r.name, r.version) IN (SELECT registry, name, version FROM crawls WHERE workflow_id = $1)`,
    [args.workflowId],
  );
  const release = rows[0];
  if (!release) throw userError('NOT_FOUND', `no crawl has the workflow id ${args.workflowId}`);
  if (release.outcome !== 'failed' && release.outcome !== 'cancelled') {
    throw userError('CONFLICT', `${args.workflowId} did not fail (${release.outcome}): only failed or cancelled crawls are replayed`);
  }
  const { registry, name, version } = release;
  const run = await startCrawl(ctx.temporal, ctx.taskQueue, { registry, name, version }, 'requested');
  if (!run.started) throw userError('CONFLICT', `${args.workflowId} is running already`);
  return toCrawlNode({ registry, name, version, ...run, startedAt: new Date() });
}

export async function replayFailedCrawlsMutation(_: unknown, args: { registry?: string | null; since?: string | null }, ctx: ApiContext) {
  requireToken(ctx);
  const failed = await findFailedCrawls(ctx.pool, {
    registry: args.registry ? fromEnum(args.registry) : null,
    since: args.since ? parseSince(args.since) : null,
  });
  return replayCrawls(ctx.temporal, ctx.taskQueue, failed);
}
