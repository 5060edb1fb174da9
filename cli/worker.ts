// `changelogs worker orchestration|crawl`: one worker process.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../infra/config';
import { openDatabase } from '../infra/db';
import { Client } from '@temporalio/client';
import { connectWorker } from '../workers/connect';
import { ensureDiscovery } from '../workers/ensureDiscovery';
import { createCrawlWorkers } from '../workers/crawl';
import { createOrchestrationWorker } from '../workers/orchestration';

/** The worker processes there are: `changelogs worker <kind>`. */
export const WORKER_KINDS = ['orchestration', 'crawl'] as const;

function isWorkerKind(value: string | undefined): value is (typeof WORKER_KINDS)[number] {
  return (WORKER_KINDS as readonly (string | undefined)[]).includes(value);
}

export async function run(args: string[]): Promise<number> {
  const kind = args[0];
  if (!isWorkerKind(kind)) {
    console.error(`usage: changelogs worker ${WORKER_KINDS.join('|')}`);
    return 2;
  }
  const config = loadConfig();
  Runtime.install({ logger: new DefaultLogger(config.logLevel) });
  const pool = await openDatabase(config.databaseUrl, (line) => console.log(line));
  const connection = await connectWorker(config);
  try {
    const workers = kind === 'orchestration' ? [await createOrchestrationWorker({ connection, config, pool })] : await createCrawlWorkers({ connection, config, pool });
    console.log(`${kind} worker polling ${workers.map((w) => w.options.taskQueue).join(', ')} (pid ${process.pid})`);
    if (kind === 'orchestration') {
      const client = new Client({ connection, namespace: config.temporal.namespace });
      await ensureDiscovery(client, config, pool, (line) => console.log(line));
    }
    // Each stops gracefully on SIGINT/SIGTERM: it takes no new tasks and finishes those it has.
    await Promise.all(workers.map((worker) => worker.run()));
    return 0;
  } finally {
    await connection.close();
    await pool.end();
  }
}
