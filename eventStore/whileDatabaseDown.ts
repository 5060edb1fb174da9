// Our own Postgres restarting is not a reason for a crawl to fail: work that needs it waits for it, inside the
// step, instead of spending the step's few attempts (which are meant for flaky upstreams).

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P02', '57P03']);

export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|connection timeout|the database system is (starting up|shutting down)/i.test(message);
}

/** Runs `work`, retrying every second while the database is unreachable, for at most `patienceMs`. */
export async function whileDatabaseDown<T>(work: () => Promise<T>, options: { patienceMs?: number; onWait?: () => void; signal?: AbortSignal } = {}): Promise<T> {
  const deadline = Date.now() + (options.patienceMs ?? 90_000);
  for (;;) {
    try {
      return await work();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || Date.now() > deadline || options.signal?.aborted) throw err;
      options.onWait?.();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
