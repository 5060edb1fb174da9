// Paces requests to an upstream that publishes a rate limit (RubyGems: 10 requests/s), so a burst of crawls
// waits its turn here instead of collecting 429s and burning retries.

const nextSlot = new Map<string, number>();

/** Resolves when a request to `key` may go out, at most `perSecond` a second from this process. */
export async function paced(key: string, perSecond: number): Promise<void> {
  const interval = 1000 / perSecond;
  const now = Date.now();
  const slot = Math.max(now, nextSlot.get(key) ?? 0);
  nextSlot.set(key, slot + interval);
  if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
}
