// Once per `npm test`: a real Temporal dev server and the workflow bundle, shared by every integration test.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client } from 'pg';
import { startDevServer } from '../../infra/temporal/devServer';
import { testAdminDatabaseUrl } from '../support/env';

export default async function globalSetup(): Promise<void> {
  const admin = new Client({ connectionString: testAdminDatabaseUrl() });
  await admin.connect().catch((err: Error) => {
    throw new Error(`integration tests need Postgres at ${testAdminDatabaseUrl()} (set TEST_DATABASE_URL): ${err.message}`);
  });
  await admin.end();

  const server = await startDevServer({
    progress: (line) => console.log(line),
    // Low, so that long-running workflows continue-as-new during tests.
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 200 },
  });
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never,
  });
  const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'changelogs-test-')), 'workflows.js');
  fs.writeFileSync(bundlePath, bundle.code);

  process.env.CHANGELOGS_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.CHANGELOGS_TEST_WORKFLOW_BUNDLE = bundlePath;
  (globalThis as { __temporalDevServer?: typeof server }).__temporalDevServer = server;
}
