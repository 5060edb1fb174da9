// The npm follower's loop alone: the cursor it carries from page to page and across runs, when it sleeps, and
// what it does on a sequence reset, with the page step a plain function that answers pages a test lists.
import { defaultPayloadConverter, type WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { NpmPage } from '../activities/discovery';
import { type ActivityCall, deferred, ScriptedActivities, startWorkflowTestEnv, uniqueTaskQueue, untilCancelled, type WorkflowTestEnv } from '../test/support/workflowTestEnv';
import { waitFor } from '../test/support/waitFor';
import { npmFollow, type NpmFollowState } from './npmFollow';

const { EventType } = temporal.api.enums.v1;

/** The server suggests continuing as new at this many history events, so a run holds a handful of pages. */
const HISTORY_LIMIT = 50;

type Page = Partial<NpmPage> & Pick<NpmPage, 'lastSeq'>;

const queue = uniqueTaskQueue();
const discovery = new ScriptedActivities({ followNpmPage: async (): Promise<NpmPage> => untilCancelled() });
let env: WorkflowTestEnv;
let follows = 0;

jest.setTimeout(30_000);

beforeAll(async () => {
  env = await startWorkflowTestEnv({ dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': HISTORY_LIMIT } });
  await env.startWorkers([{ taskQueue: queue, workflows: true, activities: discovery.activities('followNpmPage') }]);
}, 120_000);

afterAll(async () => {
  await env?.teardown();
});

function state(overrides: Partial<NpmFollowState> = {}): NpmFollowState {
  return { cursor: null, followingSince: '2024-01-01T00:00:00.000Z', pageSize: 50, idleSeconds: 60, ...overrides };
}

interface Followed {
  handle: WorkflowHandle<typeof npmFollow>;
  calls: ActivityCall[];
}

/**
 * Follows the feed through the pages given, and stops it (terminated: the follower never ends by itself) once it
 * asks for the page after them.
 */
async function follow(start: NpmFollowState, pages: Page[]): Promise<Followed> {
  follows += 1;
  const workflowId = `npm-follow-${queue}-${follows}`;
  const askedPastTheEnd = deferred();
  let served = 0;
  const calls = discovery.script(workflowId, {
    followNpmPage: async () => {
      const page = pages[served++];
      if (!page) {
        askedPastTheEnd.resolve();
        return untilCancelled();
      }
      return { caughtUp: false, found: 0, started: 0, reset: null, cutShort: false, ...page };
    },
  });
  const handle = await env.client.workflow.start(npmFollow, { taskQueue: queue, workflowId, args: [start] });
  await askedPastTheEnd.promise;
  await handle.terminate('the test has seen what it needed');
  return { handle, calls };
}

const sinces = (calls: ActivityCall[]) => calls.map((call) => (call.input as { since: string | null }).since);
const runsOf = (calls: ActivityCall[]) => [...new Set(calls.map((call) => call.runId))];

/** The run's activity and timer events, by name, in order. */
async function steps(handle: WorkflowHandle, runId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
  const kept = new Map([
    [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, 'page'],
    [EventType.EVENT_TYPE_TIMER_STARTED, 'sleep'],
    [EventType.EVENT_TYPE_TIMER_FIRED, 'woke'],
  ]);
  return (history.events ?? []).flatMap((event) => kept.get(event.eventType!) ?? []);
}

test('carries the cursor from page to page, starting at the feed when it has none', async () => {
  const { calls } = await follow(state(), [{ lastSeq: '150' }, { lastSeq: '200' }, { lastSeq: '230' }]);

  expect(sinces(calls)).toEqual([null, '150', '200', '230']);
  expect(calls.map((call) => call.input)).toEqual(sinces(calls).map((since) => ({ since, limit: 50, followingSince: '2024-01-01T00:00:00.000Z' })));
  expect(runsOf(calls)).toHaveLength(1);
});

test('sleeps idleSeconds after a page that caught up, and after no other', async () => {
  const { handle, calls } = await follow(state({ cursor: '10', idleSeconds: 1 }), [{ lastSeq: '11' }, { lastSeq: '12', caughtUp: true }, { lastSeq: '13' }]);

  expect(sinces(calls)).toEqual(['10', '11', '12', '13']);
  const [runId] = runsOf(calls);
  expect(runsOf(calls)).toHaveLength(1);
  expect(await steps(handle, runId!)).toEqual(['page', 'page', 'sleep', 'woke', 'page', 'page']);
  const history = await env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory();
  const timers = (history.events ?? []).filter((event) => event.eventType === EventType.EVENT_TYPE_TIMER_STARTED);
  expect(timers.map((event) => Number(event.timerStartedEventAttributes?.startToFireTimeout?.seconds))).toEqual([1]);
});

test('continues as new when the server suggests it, carrying the cursor and its settings', async () => {
  const pages = Array.from({ length: 20 }, (_, i) => ({ lastSeq: String(1000 + i) }));
  const start = state({ cursor: '999', pageSize: 25, idleSeconds: 7 });
  const { handle, calls } = await follow(start, pages);

  // Every page asks for what follows the one before, whichever run asks.
  expect(sinces(calls)).toEqual(['999', ...pages.map((page) => page.lastSeq)]);
  const runs = runsOf(calls);
  expect(runs.length).toBeGreaterThanOrEqual(2);
  const [first, second] = runs as [string, string];
  const firstRun = await env.client.workflow.getHandle(handle.workflowId, first).describe();
  expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');

  const lastOfFirst = calls.filter((call) => call.runId === first).length;
  const secondHistory = await env.client.workflow.getHandle(handle.workflowId, second).fetchHistory();
  const input = secondHistory.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  expect(input.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([{ ...start, cursor: pages[lastOfFirst - 1]!.lastSeq }]);
});

test('logs a sequence reset and goes on from where the feed restarted', async () => {
  const reset = { from: '900', to: '7' };
  const { handle, calls } = await follow(state({ cursor: '900' }), [{ lastSeq: '7', reset }, { lastSeq: '9' }]);

  expect(sinces(calls)).toEqual(['900', '7', '9']);
  // The runtime holds log entries back briefly to put them in order with the worker's own.
  const warnings = await waitFor('the reset warning', async () => {
    const found = env.logs.filter((entry) => entry.level === 'WARN' && entry.meta?.workflowId === handle.workflowId);
    return found.length > 0 ? found : undefined;
  }, 10_000, 50);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]!.message).toMatch(/replication sequence was reset/);
  expect(warnings[0]!.meta).toMatchObject({ ...reset, workflowType: 'npmFollow' });
});
