// The orchestration worker: workflows, and the light activities that record their results.
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createDiscoveryActivities } from '../activities/discovery';
import { createRecordingActivities } from '../activities/recording';
import type { Config } from '../infra/config';

export interface OrchestrationWorkerOptions {
  connection: NativeConnection;
  config: Config;
  namespace: string;
  taskQueue: string;
  pool: Pool;
  /** A prebuilt workflow bundle (tests build one and share it); otherwise the sources are bundled. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createOrchestrationWorker(options: OrchestrationWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities: { ...createRecordingActivities(options.pool), ...createDiscoveryActivities(options.config, options.pool) },
  });
}
