// What `npm start` prints while it runs: how many crawls ended since it started, by outcome, and the latest one.
import type { Pool } from 'pg';

interface Tally {
  total: number;
  byOutcome: Map<string, number>;
  latest: string | null;
}

const OUTCOMES = ['found', 'not_found', 'rejected', 'failed'];

async function tally(pool: Pool, since: Date): Promise<Tally> {
  const { rows } = await pool.query<{ outcome: string; n: string }>(
    'SELECT outcome, count(*) AS n FROM crawls WHERE finished_at >= $1 GROUP BY outcome',
    [since],
  );
  const byOutcome = new Map(rows.map((r) => [r.outcome, Number(r.n)]));
  const { rows: newest } = await pool.query<{ latest: string }>(
    `SELECT registry || ' ' || name || '@' || version AS latest FROM crawls WHERE finished_at >= $1 ORDER BY position DESC LIMIT 1`,
    [since],
  );
  return { total: [...byOutcome.values()].reduce((a, b) => a + b, 0), byOutcome, latest: newest[0]?.latest ?? null };
}

function describeTally(t: Tally): string {
  const parts = OUTCOMES.map((o) => `${o.replace('_', ' ')} ${t.byOutcome.get(o) ?? 0}`);
  return `crawls since start: ${t.total} (${parts.join(', ')})${t.latest ? `; latest ${t.latest}` : ''}`;
}

/** Prints a line every `everyMs` when something changed; returns a function that stops it. */
export function reportCrawlProgress(pool: Pool, say: (line: string) => void, everyMs = 20_000): () => Promise<void> {
  const since = new Date();
  let last = -1;
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = tally(pool, since)
      .then((t) => {
        if (t.total === last) return;
        last = t.total;
        say(describeTally(t));
      })
      .catch((err: Error) => say(`could not read crawl progress: ${err.message}`));
  }, everyMs);
  return async () => {
    clearInterval(timer);
    await running;
  };
}
