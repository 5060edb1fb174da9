// /healthz: the process is alive and serving. /readyz: it can do its work: Postgres answers, the log follower
// that feeds the live stream is running, and the Temporal client reaches its server. A load balancer sends
// traffic only while /readyz says 200, and stops as soon as the server begins to shut down.
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';

/** How long one check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 2_000;

export interface Readiness {
  ready: boolean;
  checks: Record<'postgres' | 'logFollower' | 'temporal', string>;
}

export interface HealthSources {
  pool: Pool;
  temporal: Client;
  /** Null while the follower is running; otherwise why it is not. */
  followerProblem(): string | null;
  shuttingDown(): boolean;
}

/** 'ok', or why not. `run` must settle by itself (a deadline, a timeout of its own). */
async function check(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function withTimeout<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function readiness(sources: HealthSources): Promise<Readiness> {
  const [postgres, temporal] = await Promise.all([
    check(() => withTimeout(CHECK_TIMEOUT_MS, sources.pool.query('SELECT 1'))),
    // The deadline ends the call (and its retries) rather than leaving it to run on.
    check(() => {
      const { connection } = sources.temporal;
      return connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => connection.workflowService.getSystemInfo({}));
    }),
  ]);
  const checks = { postgres, logFollower: sources.followerProblem() ?? 'ok', temporal };
  return { ready: !sources.shuttingDown() && Object.values(checks).every((c) => c === 'ok'), checks };
}
