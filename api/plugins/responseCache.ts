// Whole responses to searches, kept for a couple of seconds: a burst of the same popular search costs one
// execution. Only operations whose every root field is `search` are kept: every other root field of `Query` is
// marked uncacheable (the shortest TTL of an operation's fields wins), and so are errors. Searches read public
// data only, so one cache serves everyone.
import { useResponseCache } from '@graphql-yoga/plugin-response-cache';
import type { Plugin } from 'graphql-yoga';

export function useSearchResponseCache({ ttlMs, queryFields }: { ttlMs: number; queryFields: readonly string[] }): Plugin {
  return useResponseCache({
    session: () => null,
    ttl: 0,
    ttlPerSchemaCoordinate: Object.fromEntries(queryFields.map((field) => [`Query.${field}`, field === 'search' ? ttlMs : 0])),
    // No type has an id to invalidate by: results expire instead.
    invalidateViaMutation: false,
    // Only over HTTP: the plugin keys its entries in yoga's HTTP parameter hook, which operations over
    // graphql-ws never pass through (their context has no `request`).
    enabled: (request) => ttlMs > 0 && request !== undefined,
  });
}
