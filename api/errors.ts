import { createGraphQLError } from 'graphql-yoga';

const STATUS = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  COST_LIMIT_EXCEEDED: 400,
  UPSTREAM_UNAVAILABLE: 503,
} as const;

export type UserErrorCode = keyof typeof STATUS;

/** Errors meant for the client; everything else is masked as INTERNAL_SERVER_ERROR. */
export function userError(code: UserErrorCode, message: string) {
  return createGraphQLError(message, { extensions: { code, http: { status: STATUS[code] } } });
}
