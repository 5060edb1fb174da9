import { timingSafeEqual } from 'node:crypto';
import type { ApiContext } from './context';
import { userError } from './errors';

/**
 * Mutations need `Authorization: Bearer <API_TOKEN>`. A server run without a token (tests, a private
 * machine) leaves them open; `changelogs start` and `changelogs api` always run with one.
 */
export function requireToken(ctx: ApiContext): void {
  const expected = ctx.config.api.token;
  if (!expected) return;
  const given = /^Bearer (.+)$/i.exec(ctx.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
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
