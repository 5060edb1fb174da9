// Search results for a few seconds, shared by identical requests: a burst of the same popular query costs
// one statement, and concurrent identical requests wait on the one already running (single flight). On top,
// whole responses to search-only operations, so that a repeated request skips GraphQL execution as well.
import type { DocumentNode, ExecutionResult, OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface SearchCache {
  /**
   * The value under `key`, loaded when absent or expired. `scope` (the request's context) notes when the
   * value it was given expires, so that what is built from it is not kept longer.
   */
  get<T>(key: string, load: () => Promise<T>, scope?: object): Promise<T>;
  /** When the first value given to `scope` expires; 0 when it was given none. */
  expiresFor(scope: object): number;
}

export function createSearchCache({ ttlMs, maxEntries = 1_000 }: { ttlMs: number; maxEntries?: number }): SearchCache {
  const entries = new Map<string, { expires: number; value: Promise<unknown> }>();
  const given = new WeakMap<object, number>();
  const note = (scope: object | undefined, expires: number) => {
    if (scope) given.set(scope, Math.min(given.get(scope) ?? Infinity, expires));
  };
  return {
    get<T>(key: string, load: () => Promise<T>, scope?: object): Promise<T> {
      if (ttlMs <= 0) return load();
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && hit.expires > now) {
        note(scope, hit.expires);
        return hit.value as Promise<T>;
      }
      const value = load();
      entries.delete(key);
      entries.set(key, { expires: now + ttlMs, value });
      note(scope, now + ttlMs);
      // A failure is not cached.
      value.catch(() => entries.get(key)?.value === value && entries.delete(key));
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return value;
    },
    expiresFor(scope: object): number {
      return given.get(scope) ?? 0;
    },
  };
}

/** The operation to run, when its root fields are all `search` (or `__typename`): its result depends only on the variables. */
function searchOnly(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (operation?.operation !== 'query') return null;
  const fields = operation.selectionSet.selections;
  return fields.every((f) => f.kind === 'Field' && (f.name.value === 'search' || f.name.value === '__typename')) && fields.length > 0 ? operation : null;
}

/**
 * Whole results of search-only operations, per document and variables, until the first search result they
 * were built from expires (so never older than the search cache allows). A hit skips execution, which for a
 * page of results costs as much CPU as the rest of the request; only results without errors are kept.
 */
export function useSearchResponses(cache: SearchCache, maxEntries = 1_000): Plugin {
  const documentIds = new WeakMap<DocumentNode, number>();
  let nextId = 0;
  const entries = new Map<string, { expires: number; result: ExecutionResult }>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (!searchOnly(args.document, args.operationName)) return;
      let id = documentIds.get(args.document);
      if (id === undefined) documentIds.set(args.document, (id = nextId++));
      const key = `${id}\u0000${args.operationName ?? ''}\u0000${JSON.stringify(args.variableValues ?? {})}`;
      const hit = entries.get(key);
      if (hit && hit.expires > Date.now()) {
        setResultAndStopExecution(hit.result);
        return;
      }
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result || result.errors) return;
          const expires = cache.expiresFor(args.contextValue as object);
          if (expires <= Date.now()) return;
          entries.delete(key);
          entries.set(key, { expires, result });
          if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
        },
      };
    },
  };
}
