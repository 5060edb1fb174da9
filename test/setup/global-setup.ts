// Once per `npm test`: a real Temporal server and the workflow bundle, shared by every integration test. The
// server is the CLI's dev server, or, with CHANGELOGS_TEST_TEMPORAL=postgres, the Temporal server persisting to
// Postgres (the production shape), in databases of its own that are dropped afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '@jest/types';
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client } from 'pg';
import { dropDatabase } from '../../infra/db';
import { startDevServer } from '../../infra/temporal/devServer';
import { freeServerPort, startTemporalServer } from '../../infra/temporal/server';
import { testAdminDatabaseUrl } from '../support/env';
import { ChromiumNotFoundError, locateChromium } from './chromium';

/** Low, so that long-running workflows continue-as-new during tests. */
const TEST_DYNAMIC_CONFIG = { 'limit.historyCount.suggestContinueAsNew': 200 };

async function startServer(): Promise<{ address: string; stop(): Promise<void> }> {
  const kind = process.env.CHANGELOGS_TEST_TEMPORAL ?? 'dev';
  if (kind === 'dev') return startDevServer({ progress: (line) => console.log(line), dynamicConfig: TEST_DYNAMIC_CONFIG });
  if (kind !== 'postgres') throw new Error(`CHANGELOGS_TEST_TEMPORAL must be dev or postgres, got "${kind}"`);
  const id = `changelogs_test_temporal_${process.pid}`;
  const databases = { main: id, visibility: `${id}_visibility` };
  const admin = testAdminDatabaseUrl();
  const server = await startTemporalServer({
    postgresUrl: admin,
    databases,
    port: await freeServerPort(),
    namespace: 'default',
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'changelogs-temporal-')),
    historyShards: 4,
    dynamicConfig: TEST_DYNAMIC_CONFIG,
    progress: (line) => console.log(line),
  });
  return {
    address: server.address,
    async stop() {
      await server.stop();
      for (const database of Object.values(databases)) {
        const url = new URL(admin);
        url.pathname = `/${database}`;
        await dropDatabase(url.toString());
      }
    },
  };
}

/** Whether the run includes a test file that drives a browser (one that imports playwright-core). */
function runsBrowserTests(globalConfig: Config.GlobalConfig, projectConfig: Config.ProjectConfig): boolean {
  const testDir = path.join(projectConfig.rootDir, 'test');
  const browserTests = fs
    .readdirSync(testDir)
    .filter((file) => file.endsWith('.test.ts') && fs.readFileSync(path.join(testDir, file), 'utf8').includes("from 'playwright-core'"))
    .map((file) => path.join(testDir, file));
  const selected = globalConfig.testPathPatterns;
  if (!selected.isSet()) return browserTests.length > 0;
  const executor = selected.toExecutor({ rootDir: globalConfig.rootDir });
  return browserTests.some((file) => executor.isMatch(file));
}

export default async function globalSetup(globalConfig: Config.GlobalConfig, projectConfig: Config.ProjectConfig): Promise<void> {
  if (runsBrowserTests(globalConfig, projectConfig)) {
    try {
      process.env.CHROMIUM_PATH = await locateChromium();
    } catch (err) {
      // One line, not a stack: the reader has something to install, not a bug to find.
      if (err instanceof ChromiumNotFoundError) err.stack = err.message;
      throw err;
    }
  }
  const admin = new Client({ connectionString: testAdminDatabaseUrl() });
  await admin.connect().catch((err: Error) => {
    throw new Error(`integration tests need Postgres at ${testAdminDatabaseUrl()} (set TEST_DATABASE_URL): ${err.message}`);
  });
  await admin.end();

  const server = await startServer();
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never,
  });
  const bundlePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'changelogs-test-')), 'workflows.js');
  fs.writeFileSync(bundlePath, bundle.code);

  process.env.CHANGELOGS_TEST_TEMPORAL_ADDRESS = server.address;
  process.env.CHANGELOGS_TEST_WORKFLOW_BUNDLE = bundlePath;
  (globalThis as { __temporalServer?: typeof server }).__temporalServer = server;
}
