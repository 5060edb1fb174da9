// The Temporal server restarted in the middle of a burst of crawls: workers and clients reconnect, and every
// crawl completes once. Uses its own dev server with a SQLite file, so the restart keeps its history.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DevServer, freePort, startDevServer } from '../infra/temporal/devServer';
import { resultCounts } from './support/results';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';

const BURST = 100;

let server: DevServer;
let stack: TestStack;
let port: number;
let dbFilename: string;

beforeAll(async () => {
  port = await freePort();
  dbFilename = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'changelogs-restart-')), 'temporal.db');
  server = await startDevServer({ port, dbFilename });
  stack = await startStack({ env: { TEMPORAL_ADDRESS: server.address } });
});
afterAll(async () => {
  await stack?.stop();
  await server?.stop();
});

test(`the Temporal server restarted during a burst of ${BURST} crawls: each completes once`, async () => {
  const changelog = `# Changelog\n\n## 1.0.0 - 2026-11-01\n\n- Something worth reading about here.\n\n## 0.0.1 - 2026-01-01\n\n- First.\n`;
  const releases = Array.from({ length: BURST }, (_, i) => ({ registry: 'npm' as const, name: `restart-${i}`, version: '1.0.0' }));
  for (const r of releases) await stack.npm.publish({ name: r.name, version: r.version, files: { 'CHANGELOG.md': changelog } });
  for (const release of releases) {
    await stack.startCrawl(release);
  }
  await waitFor('the burst to be under way', async () => ((await resultCounts(stack.pool)).size >= 10 ? true : undefined));
  await server.stop();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  server = await startDevServer({ port, dbFilename });

  const counts = await waitFor('every crawl recorded', async () => {
    const counts = await resultCounts(stack.pool);
    if (counts.size < BURST) throw new Error(`${counts.size} of ${BURST} recorded`);
    return counts;
  }, 300_000, 1000);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  const outcomes = await Promise.all(releases.map((r) => stack.temporal.workflow.getHandle(`crawl:npm:${r.name}@${r.version}`).result()));
  expect(outcomes.filter((o) => o !== 'found')).toEqual([]);
}, 400_000);
