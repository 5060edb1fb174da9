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
