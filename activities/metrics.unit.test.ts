// The crawl counters as Prometheus serves them: a real Temporal runtime with its Prometheus exporter, real sandbox
// children ended for each reason, and real requests to the simulated forge.
import path from 'node:path';
import { Runtime } from '@temporalio/worker';
import { startGitHub } from '../demo/github';
import { freePort } from '../infra/temporal/devServer';
import { countedForgeRequest, useMetricMeter } from './metrics';
import { listDirectory } from './registries/github';
import { createSandbox } from './sandbox';
import type { tasks } from './sandbox/fixtures/testTasks';

jest.setTimeout(60_000);

const sandbox = createSandbox<typeof tasks>(path.join(__dirname, 'sandbox/fixtures/testTasks.ts'));
let metricsUrl: string;

beforeAll(async () => {
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const runtime = Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } } });
  useMetricMeter(runtime.metricMeter);
  await sandbox.prepare();
});

/** `name{labels} value` lines of the exposition for one metric, sorted. */
async function scrape(name: string): Promise<string[]> {
  const text = await (await fetch(metricsUrl)).text();
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `)).sort();
}

test('a sandbox ended for a reason counts once under that reason; one that replied does not count', async () => {
  const settled = await Promise.allSettled([
    sandbox.run('loopForever', { params: undefined as never }, { timeoutMs: 1_000 }),
    sandbox.run('returnHuge', { params: { bytes: 2_000_000 } }, { maxOutputBytes: 100_000 }),
    sandbox.run('allocateBuffersForever', { params: undefined as never }, { maxRssMb: 200 }),
    sandbox.run('exitAbruptly', { params: undefined as never }),
    sandbox.run('throwError', { params: { message: 'a task error is a reply' } }),
    sandbox.run('echo', { params: { text: 'fine' } }),
  ]);
  expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected', 'rejected', 'fulfilled']);
  expect(await scrape('changelogs_sandbox_kills')).toEqual([
    'changelogs_sandbox_kills{reason="crashed"} 1',
    'changelogs_sandbox_kills{reason="out-of-memory"} 1',
    'changelogs_sandbox_kills{reason="output-too-large"} 1',
    'changelogs_sandbox_kills{reason="timeout"} 1',
  ]);
});

test('forge requests count by step, and a rate-limit answer counts beside them', async () => {
  const github = await startGitHub();
  try {
    github.createRepo('owner/repo', { files: { 'CHANGELOG.md': '# Changelog\n' } });
    github.api.failNext(/\/contents/, 429, { retryAfter: 1 });
    const forge = { apiUrl: github.apiUrl, rawUrl: github.rawUrl, webUrl: github.webUrl, token: null, userAgent: 'test', maxBytes: 1_000_000 };
    const list = () => countedForgeRequest('listing', () => listDirectory(forge, { owner: 'owner', repo: 'repo' }, ''));
    await expect(list()).rejects.toMatchObject({ kind: 'rate-limited' });
    expect((await list()).map((entry) => entry.name)).toEqual(['CHANGELOG.md']);
    await expect(countedForgeRequest('listing', () => listDirectory(forge, { owner: 'owner', repo: 'missing' }, ''))).rejects.toMatchObject({ kind: 'not-found' });
    expect(github.api.requests()).toHaveLength(3);
    expect(await scrape('changelogs_forge_requests')).toEqual(['changelogs_forge_requests{step="listing"} 3']);
    expect(await scrape('changelogs_forge_rate_limited')).toEqual(['changelogs_forge_rate_limited{step="listing"} 1']);
  } finally {
    await github.close();
  }
});
