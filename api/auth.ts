import { timingSafeEqual } from 'node:crypto';
import type { ApiContext } from './context';
import { userError } from './errors';

/** Mutations need `Authorization: Bearer <API_TOKEN>` when the server has a token. */
export function requireToken(ctx: ApiContext): void {
  const expected = ctx.config.api.token;
  if (!expected) return;
  const header = ctx.request.headers.get('authorization') ?? '';
  const given = /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw userError('UNAUTHENTICATED', 'this mutation needs `Authorization: Bearer <API_TOKEN>`');
  }
}
