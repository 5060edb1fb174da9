// Pure helpers: which items of a feed are new since a cursor that remembers the newest timestamp seen and
// the items seen at exactly that timestamp (feeds often give several items the same second).

export interface TimeCursor {
  /** ISO time of the newest item seen. */
  at: string;
  /** `name@version` of the items seen at exactly `at`. */
  keysAt: string[];
}

export interface TimedItem {
  name: string;
  version: string;
  at: string;
}

export function itemKey(item: { name: string; version: string }): string {
  return `${item.name}@${item.version}`;
}

export function newSince(items: TimedItem[], cursor: TimeCursor | null): TimedItem[] {
  if (!cursor) return items;
  const seenAt = new Set(cursor.keysAt);
  const last = Date.parse(cursor.at);
  return items.filter((item) => {
    const at = Date.parse(item.at);
    return at > last || (at === last && !seenAt.has(itemKey(item)));
  });
}

/** The cursor after taking `items` (and everything before them). */
export function advance(cursor: TimeCursor | null, items: TimedItem[]): TimeCursor | null {
  let next = cursor;
  for (const item of items) {
    const at = Date.parse(item.at);
    const last = next ? Date.parse(next.at) : -Infinity;
    if (at > last) next = { at: new Date(at).toISOString(), keysAt: [itemKey(item)] };
    else if (at === last && next && !next.keysAt.includes(itemKey(item))) next = { ...next, keysAt: [...next.keysAt, itemKey(item)] };
  }
  return next;
}

/** Keeps the first of each `name@version`, in order. */
export function unique<T extends { name: string; version: string }>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = itemKey(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
