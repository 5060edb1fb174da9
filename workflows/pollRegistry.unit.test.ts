// One scheduled poll alone: it hands the registry to the poll step and returns what the step found; a step that
// keeps failing is retried a bounded number of times, so the schedule's next tick is not held back for ever.
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { PolledRegistry, PollOutcome } from '../activities/discovery';
import { type ActivityCall, ScriptedActivities, settled, startWorkflowTestEnv, uniqueTaskQueue, type WorkflowTestEnv } from '../test/support/workflowTestEnv';
import { pollRegistry } from './pollRegistry';
import { FAILURE_TYPES } from './types';

const queue = uniqueTaskQueue();
const discovery = new ScriptedActivities({
  pollRegistry: async (_registry: PolledRegistry): Promise<PollOutcome> => ({ found: 0, started: 0, gapFilled: 0 }),
});
let env: WorkflowTestEnv;
let polls = 0;

jest.setTimeout(30_000);

beforeAll(async () => {
  env = await startWorkflowTestEnv();
  await env.startWorkers([{ taskQueue: queue, workflows: true, activities: discovery.activities('pollRegistry') }]);
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

async function poll(registry: PolledRegistry, step: (registry: PolledRegistry) => Promise<PollOutcome>) {
  polls += 1;
  const workflowId = `poll-${queue}-${polls}`;
  const calls: ActivityCall[] = discovery.script(workflowId, { pollRegistry: step });
  const handle = await env.client.workflow.start(pollRegistry, { taskQueue: queue, workflowId, args: [{ registry }] });
  return { ...(await settled<PollOutcome>(handle, 25_000)), calls };
}

/** What an upstream that is down makes the step throw; its Retry-After keeps these tests short. */
function unavailable(): ApplicationFailure {
  return ApplicationFailure.create({ message: 'the feed answered 503', type: FAILURE_TYPES.upstreamUnavailable, nextRetryDelay: 10 });
}

test("returns the poll step's outcome for the registry it was given", async () => {
  const outcome = { found: 3, started: 2, gapFilled: 1 };
  const run = await poll('rubygems', async () => outcome);

  expect(run.value).toEqual(outcome);
  expect(run.calls.map(({ input, isLocal, taskQueue }) => ({ input, isLocal, taskQueue }))).toEqual([{ input: 'rubygems', isLocal: false, taskQueue: queue }]);
});

test('retries a step that failed, and returns what a later attempt found', async () => {
  let attempts = 0;
  const run = await poll('pypi', async () => {
    attempts += 1;
    if (attempts < 3) throw unavailable();
    return { found: 1, started: 1, gapFilled: 0 };
  });

  expect(run.value).toEqual({ found: 1, started: 1, gapFilled: 0 });
  expect(run.calls.map((call) => call.attempt)).toEqual([1, 2, 3]);
});

test('gives up after five attempts, and the poll fails with the last error', async () => {
  const run = await poll('pypi', async () => {
    throw unavailable();
  });

  expect(run.calls.map((call) => call.attempt)).toEqual([1, 2, 3, 4, 5]);
  expect(run.error).toBeInstanceOf(WorkflowFailedError);
  const activityFailure = (run.error as WorkflowFailedError).cause;
  expect(activityFailure).toBeInstanceOf(ActivityFailure);
  expect((activityFailure as ActivityFailure).cause).toMatchObject({ message: 'the feed answered 503', type: FAILURE_TYPES.upstreamUnavailable });
});
