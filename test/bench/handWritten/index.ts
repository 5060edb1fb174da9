// The API's former hand-written guards and caches, as ApiOptions: the benchmark measures them beside the
// libraries that replaced them (GraphQL Armor, yoga's response cache), in the same run.
import type { Plugin } from 'graphql-yoga';
import type { ApiContext } from '../../../api/context';
import type { ApiOptions } from '../../../api/graphql';
import { createSearchCache, useSearchResponses } from './searchCache';
import { useAliasLimit } from './useAliasLimit';
import { useCostLimit } from './useCostLimit';
import { useDepthLimit } from './useDepthLimit';
import { useTokenLimit } from './useTokenLimit';

export function handWrittenOptions(): ApiOptions {
  const searchCache = createSearchCache({ ttlMs: 2_000 });
  // Search statements shared by identical searches for the TTL (single flight), noted against the request.
  const sharedSearches: Plugin<ApiContext> = {
    onContextBuilding({ context, extendContext }) {
      const run = context.searchPackages;
      extendContext({
        searchPackages: (query, registry, after, limit) =>
          searchCache.get(JSON.stringify([query.toLowerCase(), registry, after, limit]), () => run(query, registry, after, limit), context),
      });
    },
  };
  return {
    plugins: () => [
      useTokenLimit({ maxTokens: 1_000 }),
      useDepthLimit({ maxDepth: 8 }),
      useAliasLimit({ maxAliases: 15 }),
      useCostLimit({ maxCost: 5_000, pagedFields: ['search', 'crawls'], listFields: { entries: 50, changes: 50 } }),
      sharedSearches as Plugin,
      useSearchResponses(searchCache),
    ],
  };
}
