// Workflow logic alone: the workflows as bundled for a worker, on a Temporal dev server of their own (the cached
// CLI, started by the SDK's test environment), with activities that are plain functions each test scripts.
// Workflow tests import this rather than the SDK's test and worker packages, which workflows/ may not use.
import { randomBytes } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, type Client, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type LogEntry, Runtime, Worker } from '@temporalio/worker';
import { findTemporalCli } from '../../infra/temporal/goTools';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes';

/** One activity call as the activity saw it. */
export interface ActivityCall {
  name: string;
  input: unknown;
  attempt: number;
  taskQueue: string;
  isLocal: boolean;
  runId: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- activities of any signature are scripted alike
type Activity = (...args: any[]) => Promise<unknown>;
type Activities = Record<string, Activity>;

/** A worker on one task queue; `workflows` also runs the bundled workflows there. */
export interface WorkerSpec {
  taskQueue: string;
  workflows?: boolean;
  activities: Activities;
}

export interface WorkflowTestEnv {
  client: Client;
  /** What the workflows and the workers logged (warnings and above), with the workflow's attributes. */
  logs: LogEntry[];
  /** Starts workers that run until teardown. */
  startWorkers(specs: WorkerSpec[]): Promise<void>;
  teardown(): Promise<void>;
}

export interface WorkflowTestEnvOptions {
  /** `--dynamic-config-value KEY=VALUE` settings for the server (e.g. a low continue-as-new suggestion). */
  dynamicConfig?: Record<string, string | number | boolean>;
}

const QUIET = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };

function temporalCliPath(): string {
  const cli = findTemporalCli();
  if (!cli) throw new Error('No Temporal CLI found for the workflow tests: run `npx changelogs temporal` once to build it.');
  return cli.path;
}

export async function startWorkflowTestEnv(options: WorkflowTestEnvOptions = {}): Promise<WorkflowTestEnv> {
  const path = temporalCliPath();
  const logs: LogEntry[] = [];
  // The SDK's runtime (one per process) receives what workflows log through `log`, and the worker's own
  // warnings (a workflow task held by a long local activity, say); errors are shown as well.
  const logger = new DefaultLogger('WARN', (entry) => {
    logs.push(entry);
    if (entry.level === 'ERROR') console.error(entry.message, entry.meta);
  });
  Runtime.install({ logger, telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } } });
  const extraArgs = Object.entries(options.dynamicConfig ?? {}).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${JSON.stringify(value)}`]);
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path }, searchAttributes: ALL_SEARCH_ATTRIBUTES, extraArgs, log: { format: 'pretty', level: 'error' } },
    }),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: QUIET as never }),
  ]);
  const running: { worker: Worker; done: Promise<void> }[] = [];
  return {
    client: env.client,
    logs,
    async startWorkers(specs) {
      for (const spec of specs) {
        const worker = await Worker.create({
          connection: env.nativeConnection,
          namespace: env.namespace ?? 'default',
          taskQueue: spec.taskQueue,
          ...(spec.workflows && { workflowBundle: bundle }),
          activities: spec.activities,
          // So an activity that heartbeats hears of its cancellation at once, not at 80% of its heartbeat timeout.
          maxHeartbeatThrottleInterval: '100 ms',
        });
        running.push({ worker, done: worker.run() });
      }
    },
    async teardown() {
      for (const { worker } of running) worker.shutdown();
      await Promise.all(running.map(({ done }) => done));
      await env.teardown();
    },
  };
}

/** A task queue no other test file uses. */
export function uniqueTaskQueue(): string {
  return `test-${randomBytes(4).toString('hex')}`;
}

/**
 * Activities that answer from the script each test gives for the workflow id it starts, so one set of workers
 * serves every test of a file; each call is recorded before it runs.
 */
export class ScriptedActivities<T extends Activities> {
  private readonly scripts = new Map<string, { script: Partial<T>; calls: ActivityCall[] }>();

  constructor(private readonly defaults: T) {}

  /** The activities named, for a worker to register. */
  activities(...names: (keyof T & string)[]): Activities {
    return Object.fromEntries(names.map((name) => [name, (input: unknown) => this.call(name, input)]));
  }

  /** Scripts the runs of one workflow id; the calls they make are appended to the array returned. */
  script(workflowId: string, script: Partial<T>): ActivityCall[] {
    const calls: ActivityCall[] = [];
    this.scripts.set(workflowId, { script, calls });
    return calls;
  }

  private async call(name: keyof T & string, input: unknown): Promise<unknown> {
    const { info } = Context.current();
    const { workflowId, runId } = info.workflowExecution ?? { workflowId: '(none)', runId: '(none)' };
    const entry = this.scripts.get(workflowId);
    if (!entry) throw ApplicationFailure.nonRetryable(`no script for workflow ${workflowId}`);
    entry.calls.push({ name, input, attempt: info.attempt, taskQueue: info.taskQueue, isLocal: info.isLocal, runId });
    const activity = (entry.script[name] ?? this.defaults[name]) as Activity;
    return activity(input);
  }
}

export type Settled<T> = { value: T; error?: undefined } | { value?: undefined; error: unknown };

/** How a workflow ended; one that runs past `withinMs` is terminated, and the test fails saying so. */
export async function settled<T>(handle: WorkflowHandle, withinMs: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), withinMs)));
  const result = handle.result().then(
    (value: T) => ({ value }),
    (error: unknown) => ({ error }),
  );
  const first = await Promise.race([result, deadline]);
  clearTimeout(timer);
  if (first !== 'late') return first;
  await handle.terminate('the test gave up waiting');
  await result;
  throw new Error(`workflow ${handle.workflowId} did not end within ${withinMs} ms`);
}

/** A promise with its resolve, for a test to wait until an activity has reached a point. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Holds an activity until it is cancelled (by its workflow, or by the worker's shutdown). An activity on a task
 * queue heartbeats meanwhile, since that is how it hears of a cancellation; a local one hears of it from its worker.
 */
export async function untilCancelled(): Promise<never> {
  const context = Context.current();
  const heartbeat = context.info.isLocal ? undefined : setInterval(() => context.heartbeat(), 100);
  try {
    await context.cancelled;
  } finally {
    clearInterval(heartbeat);
  }
  throw new Error('unreachable: `cancelled` only ever rejects');
}
