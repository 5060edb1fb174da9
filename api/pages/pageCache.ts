// Rendered pages and feeds, kept until the log says what they show has changed. The API follows the event
// log anyway (for the live stream); every crawl result names its package, so the entries of that package
// (its page, changes, feed, and its not-found page) and the pages listing recent crawls (`/`, `/feed.atom`)
// are dropped as the event arrives: a page is never older than the follower is behind the log, and a reader
// who was sent the event and reloads gets the new page. Bounded by the bytes kept (the least recently used go
// first), and none is kept longer than `maxAgeMs` (a page carries the log position its live updates resume from).

export interface CachedResponse {
  status: number;
  contentType: string;
  body: Buffer;
  etag: string;
}

export interface PageCache {
  get(key: string): CachedResponse | undefined;
  /**
   * Renders on a miss and keeps the result, unless an event arrived meanwhile (it may predate what was read).
   * `scope` is the package the response shows (`registry:name`), or null for a listing of recent crawls.
   */
  getOrRender(key: string, scope: string | null, render: () => Promise<CachedResponse>): Promise<CachedResponse>;
  /** A crawl result of this package was appended. */
  invalidate(registry: string, name: string): void;
  readonly size: number;
}

export function scopeOf(registry: string, name: string): string {
  return `${registry}:${name}`;
}

export function createPageCache(maxBytes = 64 * 1024 * 1024, maxAgeMs = 300_000): PageCache {
  const entries = new Map<string, CachedResponse & { scope: string | null; at: number }>();
  const byScope = new Map<string | null, Set<string>>();
  let generation = 0;
  let bytes = 0;

  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    bytes -= entry.body.length;
    byScope.get(entry.scope)?.delete(key);
  };

  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (Date.now() - entry.at > maxAgeMs) {
        drop(key);
        return undefined;
      }
      // Most recently used last.
      entries.delete(key);
      entries.set(key, entry);
      return entry;
    },
    async getOrRender(key, scope, render) {
      const cached = this.get(key);
      if (cached) return cached;
      const before = generation;
      const response = await render();
      if (generation === before && response.status < 500 && response.body.length <= maxBytes / 4) {
        drop(key);
        entries.set(key, { ...response, scope, at: Date.now() });
        bytes += response.body.length;
        let keys = byScope.get(scope);
        if (!keys) byScope.set(scope, (keys = new Set()));
        keys.add(key);
        while (bytes > maxBytes) drop(entries.keys().next().value!);
      }
      return response;
    },
    invalidate(registry, name) {
      generation++;
      for (const scope of [scopeOf(registry, name), null]) {
        for (const key of [...(byScope.get(scope) ?? [])]) drop(key);
        byScope.delete(scope);
      }
    },
    get size() {
      return entries.size;
    },
  };
}
