import { createGraphQLError } from 'graphql-yoga';

/** Errors meant for the client; everything else is masked as INTERNAL_SERVER_ERROR. */
export function userError(code: 'BAD_USER_INPUT' | 'NOT_FOUND' | 'UNAUTHENTICATED' | 'UPSTREAM_UNAVAILABLE', message: string) {
  const status = { BAD_USER_INPUT: 400, NOT_FOUND: 404, UNAUTHENTICATED: 401, UPSTREAM_UNAVAILABLE: 503 }[code];
  return createGraphQLError(message, { extensions: { code, http: { status } } });
}
