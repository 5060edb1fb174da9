// The system as an integration test runs it: its own database, its own task queues on the shared Temporal
// dev server, both workers, the API, and a local npm registry.
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { type RunningApi, startApi } from '../../api/server';
import { type Config, loadConfig } from '../../infra/config';
import { dropDatabase, openDatabase } from '../../infra/db';
import { connectClient } from '../../workers/connect';
import { createCrawlWorker } from '../../workers/crawl';
import { createOrchestrationWorker } from '../../workers/orchestration';
import { type NpmRegistrySimulator, startNpmRegistry } from '../simulators/npmRegistry';
import { requireEnv, testAdminDatabaseUrl } from './env';

export interface TestStack {
  config: Config;
  pool: Pool;
  npm: NpmRegistrySimulator;
  temporal: Client;
  api: RunningApi;
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[] }>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

export async function startStack(env: Record<string, string> = {}): Promise<TestStack> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const id = randomBytes(4).toString('hex');
  const databaseUrl = new URL(testAdminDatabaseUrl());
  databaseUrl.pathname = `/changelogs_test_${id}`;
  const npm = await startNpmRegistry();
  const config = loadConfig({
    DATABASE_URL: databaseUrl.toString(),
    TEMPORAL_ADDRESS: requireEnv('CHANGELOGS_TEST_TEMPORAL_ADDRESS'),
    TASK_QUEUE: `test-${id}`,
    NPM_REGISTRY_URL: npm.url,
    ...env,
  });
  const pool = await openDatabase(config.databaseUrl);
  const connection = await NativeConnection.connect({ address: config.temporal.address! });
  const { namespace, taskQueue } = config.temporal;
  const workers: Worker[] = [
    await createOrchestrationWorker({ connection, config, namespace, taskQueue, pool, workflowBundle: { codePath: requireEnv('CHANGELOGS_TEST_WORKFLOW_BUNDLE') } }),
    await createCrawlWorker({ connection, config, pool, taskQueue }),
  ];
  const running = workers.map((w) => w.run());
  const temporal = await connectClient(config);
  const api = await startApi({ config, pool, temporal, taskQueue }, 0);

  return {
    config,
    pool,
    npm,
    temporal,
    api,
    async graphql(query, variables = {}, headers = {}) {
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
      await npm.close();
      await dropDatabase(config.databaseUrl);
    },
  };
}
