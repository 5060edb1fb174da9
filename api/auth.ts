import { timingSafeEqual } from 'node:crypto';
import type { Config } from '../infra/config';
import type { ApiContext } from './context';
import { userError } from './errors';

/**
 * Whether `given` is the API token (compared in constant time). A server run without a token (tests, a private
 * machine) accepts anything; `changelogs start` and `changelogs api` always run with one.
 */
export function tokenAccepted(config: Pick<Config, 'api'>, given: string): boolean {
  const expected = config.api.token;
  if (!expected) return true;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Mutations need `Authorization: Bearer <API_TOKEN>` (the web page's crawl button sends the same token). */
export function requireToken(ctx: ApiContext): void {
  const given = /^Bearer (.+)$/i.exec(ctx.authorization ?? '')?.[1] ?? '';
  if (!tokenAccepted(ctx.config, given)) {
    throw userError('UNAUTHENTICATED', 'this mutation needs `Authorization: Bearer <API_TOKEN>`');
  }
}

/**
 * For reads that may also start work (the upgrade report crawls what it lacks): true when the request may
 * start it (the right token, or a server without one), false when it gave no token; a wrong token is refused.
 */
export function mayStartWork(ctx: ApiContext): boolean {
  if (!ctx.config.api.token) return true;
  if (!ctx.authorization) return false;
  requireToken(ctx);
  return true;
}
