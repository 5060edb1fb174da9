import { resolveRelease } from '../../activities/crawl/resolveRelease';
import { UpstreamError } from '../../activities/http/httpGet';
import { canonicalName, type Registry, type ReleaseRef } from '../../workflows/types';
import type { ApiContext, ApiDeps } from '../context';
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
async function checkedVersion(ctx: Pick<ApiDeps, 'config'>, ref: Omit<ReleaseRef, 'version'>, version: string | null): Promise<string> {
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

/**
 * Starts a crawl of a release (the latest when no version is given), checked with its registry first. Shared by
 * the `crawl` mutation and the web page's crawl button, each of which checks the token before calling it.
 */
export async function requestCrawl(deps: Pick<ApiDeps, 'config' | 'temporal' | 'taskQueue'>, registry: Registry, givenName: string, givenVersion: string | null) {
  const name = canonicalName(registry, validName(givenName));
  if (givenVersion !== null && !/^[\w.+!-]{1,64}$/.test(givenVersion)) {
    throw userError('BAD_USER_INPUT', `"${givenVersion.slice(0, 64)}" is not a valid version`);
  }
  const version = await checkedVersion(deps, { registry, name }, givenVersion);
  const run = await startCrawl(deps.temporal, deps.taskQueue, { registry, name, version }, 'requested');
  return toCrawlNode({ registry, name, version, ...run, startedAt: run.started ? new Date() : null });
}

export async function crawlMutation(_: unknown, args: { registry: string; name: string; version?: string | null }, ctx: ApiContext) {
  requireToken(ctx);
  return requestCrawl(ctx, fromEnum(args.registry), args.name, args.version ?? null);
}
