// Whole responses to searches, kept for a couple of seconds: a burst of the same popular search costs one
// execution. Only operations whose every root field is `search` (or `__typename`) are kept, and only results
// without errors; searches read public data only, so one cache serves everyone. Over HTTP only: operations over
// graphql-ws (the live stream) have no request and never pass through here.
//
// Hand-written, in place of yoga's response cache (@graphql-yoga/plugin-response-cache), which this API used
// until searches came from the in-memory index. That plugin hashes every request's key with WebCrypto (an
// asynchronous job per request, even for the requests it will not keep), adds `__typename` to every selection
// set of an operation it may keep and walks every result to find entities to invalidate: invalidation this
// API does not use, since results expire instead. Once a search costs tens of microseconds, that bookkeeping
// was a quarter of a search response's CPU. `npm run bench:read-side` measures both in the same run, on an
// API whose search costs nothing (its line "with yoga's response cache instead of the API's own").
import type { DocumentNode, ExecutionResult, OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';

export interface SearchResponseCacheOptions {
  /** How long a response is kept; 0 turns the cache off. */
  ttlMs: number;
  /** The most responses kept (the least recently used go first). */
  maxEntries?: number;
}

/** Whether the document's operation asks for searches alone: its result then depends only on the variables. */
function searchOnly(document: DocumentNode, operationName: string | null | undefined): boolean {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (operation?.operation !== 'query') return false;
  const fields = operation.selectionSet.selections;
  return fields.some((f) => f.kind === 'Field' && f.name.value === 'search') && fields.every((f) => f.kind === 'Field' && (f.name.value === 'search' || f.name.value === '__typename'));
}

export function useSearchResponseCache({ ttlMs, maxEntries = 1_000 }: SearchResponseCacheOptions): Plugin {
  if (ttlMs <= 0) return {};
  const kept = new LRUCache<string, ExecutionResult>({ max: maxEntries, ttl: ttlMs });
  // The key of each request that may be kept, from its parameters to its execution (yoga's context object is the same).
  const keys = new WeakMap<object, string>();
  return {
    onParams({ params, request, context, setResult }) {
      if (!request || typeof params.query !== 'string') return;
      const key = `${params.operationName ?? ''}\u0000${JSON.stringify(params.variables ?? null)}\u0000${params.query}`;
      const hit = kept.get(key);
      // A copy: yoga's result processing may add to the object it is given.
      if (hit) setResult({ ...hit });
      else keys.set(context, key);
    },
    onExecute({ args }) {
      const key = keys.get(args.contextValue as object);
      if (key === undefined) return;
      if (!searchOnly(args.document, args.operationName)) return;
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result || result.errors?.length) return;
          kept.set(key, result);
        },
      };
    },
  };
}
