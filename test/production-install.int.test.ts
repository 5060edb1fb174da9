// The production image installs with `npm ci --omit=dev`: from such an install (of the files git tracks, as the
// image copies them), each process starts, serves, and stops cleanly on SIGTERM. Product code that imported a
// devDependency or test code would fail here, however it loaded it.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { dropDatabase, openDatabase } from '../infra/db';
import { freePort } from '../infra/temporal/devServer';
import { createNamespace } from './support/namespace';
import { requireEnv, testAdminDatabaseUrl } from './support/env';

const ROOT = path.join(__dirname, '..');
let dir: string;
let env: NodeJS.ProcessEnv;
let databaseUrl: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'changelogs-production-'));
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!fs.existsSync(path.join(ROOT, file))) continue;
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  execFileSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: 'pipe' });
  const url = new URL(testAdminDatabaseUrl());
  url.pathname = `/changelogs_test_${randomBytes(4).toString('hex')}`;
  databaseUrl = url.toString();
  await (await openDatabase(databaseUrl)).end();
  const namespace = `test-production-${randomBytes(3).toString('hex')}`;
  await createNamespace(requireEnv('CHANGELOGS_TEST_TEMPORAL_ADDRESS'), namespace);
  env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: requireEnv('CHANGELOGS_TEST_TEMPORAL_ADDRESS'),
    TEMPORAL_NAMESPACE: namespace,
    TASK_QUEUE: namespace,
    UPSTREAMS: 'live',
    NPM_REGISTRY_URL: 'http://127.0.0.1:9',
    API_TOKEN: 'production-install',
  };
}, 300_000);

afterAll(async () => {
  if (databaseUrl) await dropDatabase(databaseUrl);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the install is a production one: the tools only development needs are absent', () => {
  // Some devDependencies are also dependencies of dependencies (the Temporal worker bundles with @swc/core); these
  // are only for development.
  for (const tool of ['jest', 'typescript', 'eslint', 'playwright-core', 'fast-check']) {
    expect({ tool, installed: fs.existsSync(path.join(dir, 'node_modules', tool)) }).toEqual({ tool, installed: false });
  }
});

/** Starts `changelogs <args>` from the install; resolves once it prints `ready`. */
function start(args: string[], ready: string, extra: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, [path.join(dir, 'bin', 'changelogs.js'), ...args], { cwd: dir, env: { ...env, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes(ready)) {
        clearInterval(timer);
        resolve({ child, output: () => output });
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`changelogs ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

test.each([
  [['worker', 'crawl'], 'crawl worker polling'],
  [['worker', 'orchestration'], 'orchestration worker polling'],
])('changelogs %j starts, polls, and stops with code 0 on SIGTERM', async (args, ready) => {
  const { child, output } = await start(args, ready);
  const code = await stopped(child);
  expect({ code, output: code === 0 ? '' : output() }).toEqual({ code: 0, output: '' });
}, 180_000);

test('changelogs api starts, serves the page and GraphQL, and stops with code 0 on SIGTERM', async () => {
  const port = await freePort();
  const { child, output } = await start(['api'], 'listening', { PORT: String(port) });
  const page = await fetch(`http://127.0.0.1:${port}/`);
  expect(page.status).toBe(200);
  const graphql = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
  expect(await graphql.json()).toEqual({ data: { __typename: 'Query' } });
  const code = await stopped(child);
  expect({ code, output: code === 0 ? '' : output() }).toEqual({ code: 0, output: '' });
}, 180_000);
