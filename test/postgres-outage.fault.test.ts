// Postgres stopped for 20 s in the middle of a burst of crawls: every crawl completes once it is back, with
// exactly one result per release. Stops the machine's Postgres cluster, so it runs apart (npm run test:faults).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { resultCounts } from './support/results';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';

const BURST = 100;
const cluster = fs.readdirSync('/etc/postgresql')[0];

function postgres(action: 'stop' | 'start'): void {
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster!, 'main', action], { stdio: 'inherit' });
}

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

test(`Postgres stopped for 20 s during a burst of ${BURST} crawls: each completes once it is back`, async () => {
  const changelog = `# Changelog\n\n## 1.0.0 - 2026-11-01\n\n- Something worth reading about here.\n\n## 0.0.1 - 2026-01-01\n\n- First.\n`;
  const releases = Array.from({ length: BURST }, (_, i) => ({ registry: 'npm' as const, name: `outage-${i}`, version: '1.0.0' }));
  for (const r of releases) await stack.npm.publish({ name: r.name, version: r.version, files: { 'CHANGELOG.md': changelog } });
  const handles = [];
  for (const release of releases) {
    handles.push(await stack.startCrawl(release));
  }
  await waitFor('the burst to be under way', async () => ((await resultCounts(stack.pool)).size >= 10 ? true : undefined));
  postgres('stop');
  try {
    await new Promise((resolve) => setTimeout(resolve, 20_000));
  } finally {
    postgres('start');
  }

  const outcomes = await Promise.all(handles.map((h) => h.result()));
  expect(outcomes.filter((o) => o !== 'found')).toEqual([]);
  const counts = await waitFor('the pool to reconnect', () => resultCounts(stack.pool), 60_000, 1000);
  expect(counts.size).toBe(BURST);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
}, 400_000);
