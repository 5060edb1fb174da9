// The orchestration worker is a real process here, killed with SIGKILL while releases stream in.
import type { ChildProcess } from 'node:child_process';
import { runScenario } from '../demo/scenario';
import { resultCounts, streamOf } from './support/results';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';
import { startWorkerProcess } from './support/workerProcess';


let stack: TestStack;
let worker: ChildProcess | null = null;

async function startOrchestrationWorker(): Promise<ChildProcess> {
  const env = { ...stack.env, POLL_INTERVAL_SECONDS: '1', FOLLOW_IDLE_SECONDS: '1', FOLLOW_PAGE_SIZE: '20' };
  return (await startWorkerProcess('orchestration', env)).child;
}

beforeAll(async () => {
  stack = await startStack({ orchestrationWorker: false, env: { GITHUB_TOKEN: 'test-token' } });
});
afterAll(async () => {
  worker?.kill('SIGKILL');
  await stack?.stop();
});

test('the orchestration worker killed and restarted mid-stream: nothing lost, nothing crawled twice', async () => {
  worker = await startOrchestrationWorker();
  // Releases published before the follower has read where the feed stands would predate the system.
  await waitFor('the follower to take its starting position', async () => {
    const { rows } = await stack.pool.query("SELECT 1 FROM discovery_cursors WHERE source = 'npm-follow'");
    return rows.length === 1 ? true : undefined;
  });
  const scenario = runScenario(stack.upstreams, { releases: 150, perSecond: 15, seed: 21 });
  await waitFor('crawls to be under way', async () => ((await resultCounts(stack.pool)).size >= 20 ? true : undefined));
  worker.kill('SIGKILL');
  await new Promise((resolve) => worker!.once('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 2000));
  worker = await startOrchestrationWorker();
  await scenario.done;

  const wanted = scenario.published.map(streamOf);
  await waitFor('every release crawled', async () => {
    const counts = await resultCounts(stack.pool);
    const missing = wanted.filter((s) => !counts.has(s));
    if (missing.length > 0) throw new Error(`${missing.length} not crawled yet, e.g. ${missing.slice(0, 5).join(', ')}`);
    return true;
  }, 360_000, 1000);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const counts = await resultCounts(stack.pool);
  expect(wanted.filter((s) => counts.get(s) !== 1)).toEqual([]);
  expect(counts.size).toBe(wanted.length);
}, 400_000);
