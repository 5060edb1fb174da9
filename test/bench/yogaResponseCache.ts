// yoga's response cache as the API was configured with it until api/plugins/responseCache.ts replaced it: the
// read-side benchmark measures the two in the same run.
import { useResponseCache } from '@graphql-yoga/plugin-response-cache';
import type { Plugin } from 'graphql-yoga';

export function useYogaSearchResponseCache({ ttlMs, queryFields }: { ttlMs: number; queryFields: readonly string[] }): Plugin {
  return useResponseCache({
    session: () => null,
    ttl: 0,
    // Only `search` is kept: the shortest TTL of an operation's fields wins.
    ttlPerSchemaCoordinate: Object.fromEntries(queryFields.map((field) => [`Query.${field}`, field === 'search' ? ttlMs : 0])),
    invalidateViaMutation: false,
    enabled: (request) => ttlMs > 0 && request !== undefined,
  });
}
