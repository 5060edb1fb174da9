// `changelogs worker orchestration|crawl`: one worker process.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../infra/config';
import { openDatabase } from '../infra/db';
import { connectClient, connectWorker } from '../workers/connect';
import { ensureDiscovery } from '../workers/ensureDiscovery';
import { createCrawlWorker } from '../workers/crawl';
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
    const { namespace, taskQueue } = config.temporal;
    const worker =
      kind === 'orchestration'
        ? await createOrchestrationWorker({ connection, config, namespace, taskQueue, pool, ...(config.temporal.workflowBundle && { workflowBundle: { codePath: config.temporal.workflowBundle } }) })
        : await createCrawlWorker({ connection, config, pool, taskQueue });
    console.log(`${kind} worker polling ${worker.options.taskQueue} (pid ${process.pid})`);
    if (kind === 'orchestration') {
      const client = await connectClient(config);
      try {
        await ensureDiscovery(client, config, pool, (line) => console.log(line));
      } finally {
        await client.connection.close();
      }
    }
    // Stops gracefully on SIGINT/SIGTERM.
    await worker.run();
    return 0;
  } finally {
    await connection.close();
    await pool.end();
  }
}
