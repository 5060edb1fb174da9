import { resolveRelease } from '../../activities/crawl/resolveRelease';
import { UpstreamError } from '../../activities/http/httpGet';
import { canonicalName, type ReleaseRef } from '../../workflows/types';
import type { ApiContext } from '../context';
import { userError } from '../errors';
import { requireToken } from '../auth';
import { startCrawl } from '../../infra/temporal/crawls';
import { toCrawlNode } from './crawlNode';
import { fromEnum, validName } from './registry';

/**
 * The release to crawl, checked with its registry first, so that one that is not published is refused at once
 * (its crawl would only end `not_published`). A registry that does not answer does not stop a crawl of a
 * named version: the crawl has retries for that.
 */
async function checkedVersion(ctx: ApiContext, ref: Omit<ReleaseRef, 'version'>, version: string | null): Promise<string> {
  try {
    return (await resolveRelease(ctx.config, version === null ? ref : { ...ref, version })).version;
  } catch (err) {
    if (err instanceof UpstreamError && err.kind === 'not-found') {
      throw userError('NOT_FOUND', version === null ? `${ref.name} is not published on ${ref.registry}` : `${ref.name}@${version} is not published on ${ref.registry}`);
    }
    if (err instanceof UpstreamError && version !== null && err.retryable) return version;
    if (err instanceof UpstreamError) throw userError('UPSTREAM_UNAVAILABLE', `the ${ref.registry} registry did not answer: ${err.message}`);
    throw err;
  }
}

export async function crawlMutation(_: unknown, args: { registry: string; name: string; version?: string | null }, ctx: ApiContext) {
  requireToken(ctx);
  const registry = fromEnum(args.registry);
  const name = canonicalName(registry, validName(args.name));
  if (args.version !== undefined && args.version !== null && !/^[\w.+!-]{1,64}$/.test(args.version)) {
    throw userError('BAD_USER_INPUT', `"${args.version.slice(0, 64)}" is not a valid version`);
  }
  const version = await checkedVersion(ctx, { registry, name }, args.version ?? null);
  const run = await startCrawl(ctx.temporal, ctx.taskQueue, { registry, name, version }, 'requested');
  return toCrawlNode({ registry, name, version, ...run, startedAt: run.started ? new Date() : null });
}
