// Search results for a few seconds, shared by identical requests: a burst of the same popular query costs
// one statement, and concurrent identical requests wait on the one already running (single flight).
export interface SearchCache {
  get<T>(key: string, load: () => Promise<T>): Promise<T>;
}

export function createSearchCache({ ttlMs, maxEntries = 1_000 }: { ttlMs: number; maxEntries?: number }): SearchCache {
  const entries = new Map<string, { expires: number; value: Promise<unknown> }>();
  return {
    get<T>(key: string, load: () => Promise<T>): Promise<T> {
      if (ttlMs <= 0) return load();
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && hit.expires > now) return hit.value as Promise<T>;
      const value = load();
      entries.delete(key);
      entries.set(key, { expires: now + ttlMs, value });
      // A failure is not cached.
      value.catch(() => entries.get(key)?.value === value && entries.delete(key));
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return value;
    },
  };
}
