// The crawl worker: crawl workflows and their steps, which fetch and parse untrusted upstream content, on the
// crawl task queue; and, in the same process, the forge's steps on the forge task queue, whose rate limit is
// the forge's quota shared by every crawl worker.
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createForgeActivities, createPackageActivities } from '../activities/crawl';
import { createRecordingActivities } from '../activities/recording';
import { sandbox } from '../activities/sandbox';
import type { Config } from '../infra/config';
import { crawlTaskQueue, forgeTaskQueue } from '../workflows/types';
import { shutdownOptions } from './shutdown';
import { workflowSource } from './workflowSource';

export interface CrawlWorkerOptions {
  connection: NativeConnection;
  config: Config;
  pool: Pool;
  /** A prebuilt workflow bundle (tests build one and share it); otherwise the sources are bundled. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** Requests a second for a quota of requests an hour. */
export function perSecond(perHour: number): number {
  return perHour / 3600;
}

export async function createCrawlWorkers(options: CrawlWorkerOptions): Promise<Worker[]> {
  const { connection, config, pool } = options;
  const { namespace, taskQueue } = config.temporal;
  // Build the sandbox child before taking work, so a broken build shows at start-up, not on a crawl.
  await sandbox.prepare();
  const concurrency = config.crawl.concurrency;
  const crawls = await Worker.create({
    connection,
    namespace,
    taskQueue: crawlTaskQueue(taskQueue),
    ...workflowSource(options.workflowBundle ?? config.temporal.workflowBundle),
    activities: { ...createPackageActivities(config, pool), ...createRecordingActivities(pool) },
    // A crawl's package step runs inside its workflow task, so workflow tasks, local activities and so crawls
    // in flight are bounded together.
    maxConcurrentWorkflowTaskExecutions: concurrency,
    maxConcurrentLocalActivityExecutions: concurrency,
    maxConcurrentActivityTaskExecutions: 1,
    ...shutdownOptions(config),
  });
  const forge = await Worker.create({
    connection,
    namespace,
    taskQueue: forgeTaskQueue(taskQueue),
    activities: createForgeActivities(config, pool),
    maxConcurrentActivityTaskExecutions: Math.min(concurrency, 10),
    maxTaskQueueActivitiesPerSecond: perSecond(config.crawl.forgeRequestsPerHour),
    ...shutdownOptions(config),
  });
  return [crawls, forge];
}
