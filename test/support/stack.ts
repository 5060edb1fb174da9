// The system as an integration test runs it: its own database, its own namespace on the shared Temporal
// dev server, both workers, the API, and simulators of every upstream.
import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { crawlRelease } from '../../workflows/crawlRelease';
import { crawlTaskQueue, crawlWorkflowId, type ReleaseRef } from '../../workflows/types';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { type RunningApi, startApi } from '../../api/server';
import { type Config, loadConfig } from '../../infra/config';
import { dropDatabase, openDatabase } from '../../infra/db';
import { connectClient } from '../../workers/connect';
import { createCrawlWorkers } from '../../workers/crawl';
import { createOrchestrationWorker } from '../../workers/orchestration';
import { ensureDiscovery } from '../../workers/ensureDiscovery';
import { startUpstreams, type Upstreams, type UpstreamsOptions } from '../../demo';
import type { NpmRegistrySimulator } from '../../demo/npmRegistry';
import { requireEnv, testAdminDatabaseUrl } from './env';
import { createNamespace } from './namespace';

export interface StackOptions {
  /** Extra configuration variables. */
  env?: Record<string, string>;
  /** Create the follower and the poll schedules, as the orchestration worker does at start-up. */
  discovery?: boolean;
  /** Run the orchestration worker here (default); false leaves it to the test (to run it as a process). */
  orchestrationWorker?: boolean;
  /** Run the crawl worker here (default); false leaves it to the test (to run it as a process). */
  crawlWorker?: boolean;
  /** Settings of the simulated upstreams (the forge's rate limits, say). */
  upstreams?: UpstreamsOptions;
}

export interface TestStack {
  config: Config;
  pool: Pool;
  npm: NpmRegistrySimulator;
  upstreams: Upstreams;
  /** The configuration variables the stack runs with (for starting worker processes against it). */
  env: Record<string, string>;
  temporal: Client;
  api: RunningApi;
  /** Starts a crawl workflow straight through the client, under its usual id unless another is given. */
  startCrawl(release: ReleaseRef, workflowId?: string): Promise<WorkflowHandle<typeof crawlRelease>>;
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[] }>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function startStack(options: StackOptions = {}): Promise<TestStack> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const id = randomBytes(4).toString('hex');
  const databaseUrl = new URL(testAdminDatabaseUrl());
  databaseUrl.pathname = `/changelogs_test_${id}`;
  const upstreams = await startUpstreams(options.upstreams);
  const env = {
    DATABASE_URL: databaseUrl.toString(),
    TEMPORAL_ADDRESS: requireEnv('CHANGELOGS_TEST_TEMPORAL_ADDRESS'),
    TEMPORAL_NAMESPACE: `test-${id}`,
    TASK_QUEUE: `test-${id}`,
    WORKFLOW_BUNDLE: requireEnv('CHANGELOGS_TEST_WORKFLOW_BUNDLE'),
    ...upstreams.env,
    ...options.env,
  };
  const config = loadConfig(env);
  const pool = await openDatabase(config.databaseUrl);
  await createNamespace(config.temporal.address!, config.temporal.namespace);
  const connection = await NativeConnection.connect({ address: config.temporal.address! });
  const { taskQueue } = config.temporal;
  const workers: Worker[] = [];
  if (options.crawlWorker !== false) workers.push(...(await createCrawlWorkers({ connection, config, pool })));
  if (options.orchestrationWorker !== false) workers.push(await createOrchestrationWorker({ connection, config, pool }));
  const running = workers.map((w) => w.run());
  const temporal = await connectClient(config);
  if (options.discovery) await ensureDiscovery(temporal, config, pool, () => undefined);
  const api = await startApi({ config, pool, temporal, taskQueue }, 0);

  return {
    config,
    pool,
    npm: upstreams.npm,
    upstreams,
    env,
    temporal,
    api,
    startCrawl(release, workflowId = crawlWorkflowId(release)) {
      return temporal.workflow.start(crawlRelease, { workflowId, taskQueue: crawlTaskQueue(taskQueue), args: [release] });
    },
    async graphql(query, variables = {}, headers = {}) {
      // Searches see what the test wrote: the API's search index follows the log a few milliseconds behind.
      if (/\bsearch\b/.test(query)) await api.searchSettled();
      const response = await fetch(api.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return response.json() as never;
    },
    async stop() {
      await api.close();
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.all(running);
      await temporal.connection.close();
      await connection.close();
      await pool.end();
      await upstreams.close();
      await dropDatabase(config.databaseUrl);
    },
  };
}
