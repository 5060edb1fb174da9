// The orchestration worker: the discovery workflows (the npm follower, the registry polls) and their
// activities, which read the feeds and start one crawl workflow per release through the client.
import { Client } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createDiscoveryActivities } from '../activities/discovery';
import type { Config } from '../infra/config';
import { shutdownOptions } from './shutdown';
import { workflowSource } from './workflowSource';

export interface OrchestrationWorkerOptions {
  connection: NativeConnection;
  config: Config;
  pool: Pool;
  /** A prebuilt workflow bundle (tests build one and share it); otherwise the sources are bundled. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createOrchestrationWorker(options: OrchestrationWorkerOptions): Promise<Worker> {
  const { connection, config, pool } = options;
  const { namespace, taskQueue } = config.temporal;
  const temporal = new Client({ connection, namespace });
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...workflowSource(options.workflowBundle ?? config.temporal.workflowBundle),
    activities: createDiscoveryActivities(config, pool, temporal),
    ...shutdownOptions(config),
  });
}
