// The namespace job of docker-compose.yml and of the Kubernetes manifests, run as they run it (`sh` with the
// `temporal` CLI on PATH) against a real Temporal server.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { freePort } from '../infra/temporal/devServer';
import { findTemporalCli } from '../infra/temporal/goTools';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';
import { requireEnv } from './support/env';
import { waitFor } from './support/waitFor';

const SCRIPT = path.join(__dirname, '..', 'infra', 'deploy', 'temporal', 'setup-namespace.sh');
const { IndexedValueType } = temporal.api.enums.v1;

const address = requireEnv('CHANGELOGS_TEST_TEMPORAL_ADDRESS');
let connection: Connection;
let binDir: string;

beforeAll(async () => {
  const cli = findTemporalCli();
  if (!cli) throw new Error('the Temporal CLI is needed to run the namespace job: `npx changelogs temporal` builds it');
  // The job calls `temporal` from PATH, as the admin-tools image provides it.
  binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'changelogs-deploy-'));
  fs.symlinkSync(cli.path, path.join(binDir, 'temporal'));
  connection = await Connection.connect({ address });
});

afterAll(async () => {
  await connection.close();
  fs.rmSync(binDir, { recursive: true, force: true });
});

/** The script in the environment of the admin-tools image: a home directory, `temporal` on PATH, and `env`. */
function runSetup(env: Record<string, string>): Promise<{ status: number | null; output: string }> {
  const base = { HOME: binDir, PATH: `${binDir}${path.delimiter}${process.env.PATH}`, SETUP_TIMEOUT_SECONDS: '60' };
  const child = spawn('sh', [SCRIPT], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (status) => resolve({ status, output })));
}

async function customAttributes(namespace: string): Promise<Record<string, number>> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return customAttributes as Record<string, number>;
}

test('creates the namespace and the Keyword search attributes crawls carry; running it again changes nothing', async () => {
  const namespace = `deploy-setup-${process.pid}`;
  const first = await runSetup({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace });
  expect(first).toEqual({ status: 0, output: expect.any(String) });

  const keyword = Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((key) => [key.name, IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]));
  expect(await customAttributes(namespace)).toEqual(expect.objectContaining(keyword));
  const described = await connection.workflowService.describeNamespace({ namespace });
  expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(72 * 3600);

  // Every `docker compose up` runs it again.
  const second = await runSetup({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace });
  expect(second).toEqual({ status: 0, output: expect.stringMatching(/already exists/) });
  expect(await customAttributes(namespace)).toEqual(expect.objectContaining(keyword));
});

test('fails, rather than taking it as done, when an attribute exists with another type', async () => {
  const namespace = `deploy-setup-clash-${process.pid}`;
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  // A new namespace is usable once the frontend's namespace cache has caught up.
  await waitFor('the new namespace', async () => {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: { Registry: IndexedValueType.INDEXED_VALUE_TYPE_TEXT } });
    return true;
  }, 30_000);

  const result = await runSetup({ TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, SETUP_TIMEOUT_SECONDS: '3' });
  expect(result.status).not.toBe(0);
  expect(result.output).toMatch(/Registry already exists and has different type/);
  expect(result.output).toMatch(/gave up after 3s: temporal operator search-attribute create/);
});

test('gives up with the error when no Temporal server answers', async () => {
  const result = await runSetup({ TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, TEMPORAL_NAMESPACE: 'unreachable', SETUP_TIMEOUT_SECONDS: '2' });
  expect(result.status).not.toBe(0);
  expect(result.output).toMatch(/gave up after 2s: temporal operator namespace create/);
});
