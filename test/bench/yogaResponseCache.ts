// yoga's response cache as the API was configured with it until api/plugins/responseCache.ts replaced it: the
// read-side benchmark measures the two in the same run.
import fs from 'node:fs';
import path from 'node:path';
import { useResponseCache } from '@graphql-yoga/plugin-response-cache';
import { buildSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** The API's root query fields, from its schema. */
const QUERY_FIELDS = Object.keys(buildSchema(fs.readFileSync(path.join(__dirname, '../../api/schema.graphql'), 'utf8')).getQueryType()!.getFields());

export function useYogaSearchResponseCache({ ttlMs }: { ttlMs: number }): Plugin {
  return useResponseCache({
    session: () => null,
    ttl: 0,
    // Only `search` is kept: the shortest TTL of an operation's fields wins.
    ttlPerSchemaCoordinate: Object.fromEntries(QUERY_FIELDS.map((field) => [`Query.${field}`, field === 'search' ? ttlMs : 0])),
    invalidateViaMutation: false,
    enabled: (request) => ttlMs > 0 && request !== undefined,
  });
}
