// `changelogs worker orchestration|crawl`: one worker process. It serves its metrics on METRICS_PORT and stops
// gracefully on SIGINT/SIGTERM (workers/shutdown.ts): exit 0 once drained, 1 if it had to abandon work.
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { retireIdleChildren } from '../activities/sandbox/pool';
import { loadConfig } from '../infra/config';
import { openDatabase } from '../infra/db';
import { connectWorker } from '../workers/connect';
import { createCrawlWorkers } from '../workers/crawl';
import { ensureDiscovery } from '../workers/ensureDiscovery';
import { createOrchestrationWorker } from '../workers/orchestration';
import { shutdownDeadlineMs, watchShutdown } from '../workers/shutdown';
import { installRuntime, metricsAddress } from '../workers/telemetry';

/** The worker processes there are: `changelogs worker <kind>`. */
export const WORKER_KINDS = ['orchestration', 'crawl'] as const;

function isWorkerKind(value: string | undefined): value is (typeof WORKER_KINDS)[number] {
  return (WORKER_KINDS as readonly (string | undefined)[]).includes(value);
}

/** Runs the workers until they have stopped, every one of them, however each stopped. */
async function runUntilStopped(workers: Worker[]): Promise<unknown[]> {
  const results = await Promise.allSettled(workers.map((worker) => worker.run()));
  return results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
}

export async function run(args: string[]): Promise<number> {
  const kind = args[0];
  if (!isWorkerKind(kind)) {
    console.error(`usage: changelogs worker ${WORKER_KINDS.join('|')}`);
    return 2;
  }
  const config = loadConfig();
  installRuntime(config);
  watchShutdown(config, {
    stopping: (signal) => console.log(`${kind} worker stopping on ${signal}: no new tasks; those it holds finish (activities get ${config.workerShutdownGraceMs} ms)`),
    overdue: () => {
      console.error(`${kind} worker stopping with tasks still running after ${shutdownDeadlineMs(config)} ms (WORKER_SHUTDOWN_GRACE_MS and 5 s): another worker takes them over`);
      // Sandboxes go with this process (see activities/sandbox/pool.ts).
      process.exit(1);
    },
  });
  const pool = await openDatabase(config.databaseUrl, (line) => console.log(line));
  const connection = await connectWorker(config);
  try {
    const workers = kind === 'orchestration' ? [await createOrchestrationWorker({ connection, config, pool })] : await createCrawlWorkers({ connection, config, pool });
    const metrics = metricsAddress(config);
    console.log(`${kind} worker polling ${workers.map((w) => w.options.taskQueue).join(', ')} (pid ${process.pid}); ` +
      `metrics ${metrics ? `on http://${metrics}/metrics` : 'off (METRICS_PORT=0)'}`);
    if (kind === 'orchestration') {
      const client = new Client({ connection, namespace: config.temporal.namespace });
      await ensureDiscovery(client, config, pool, (line) => console.log(line));
    }
    const errors = await runUntilStopped(workers);
    if (errors.length === 0) {
      console.log(`${kind} worker stopped: every task it held finished`);
      return 0;
    }
    for (const err of errors) console.error(`${kind} worker failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    // Sandbox processes waiting for work go now rather than at their idle timeout.
    retireIdleChildren();
    await connection.close();
    await pool.end();
  }
}
