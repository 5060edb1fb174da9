// The crawl worker: fetches and parses untrusted upstream content, on its own task queue.
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createCrawlActivities } from '../activities/crawl';
import { sandbox } from '../activities/sandbox';
import type { Config } from '../infra/config';
import { crawlTaskQueue } from '../workflows/types';

export async function createCrawlWorker(options: { connection: NativeConnection; config: Config; pool: Pool; taskQueue: string }): Promise<Worker> {
  // Build the sandbox child before taking work, so a broken build shows at start-up, not on a crawl.
  await sandbox.prepare();
  return Worker.create({
    connection: options.connection,
    namespace: options.config.temporal.namespace,
    taskQueue: crawlTaskQueue(options.taskQueue),
    activities: createCrawlActivities(options.config, options.pool),
    maxConcurrentActivityTaskExecutions: 20,
  });
}
