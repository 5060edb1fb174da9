// The crawl worker: fetches and parses untrusted upstream content, on its own task queue.
import { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createCrawlActivities } from '../activities/crawl';
import type { Config } from '../infra/config';
import { crawlTaskQueue } from '../workflows/types';

export async function createCrawlWorker(options: { connection: NativeConnection; config: Config; pool: Pool; taskQueue: string }): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.config.temporal.namespace,
    taskQueue: crawlTaskQueue(options.taskQueue),
    activities: createCrawlActivities(options.config, options.pool),
    maxConcurrentActivityTaskExecutions: 20,
  });
}
