// Runs one untrusted task in a sandbox child process, with limits on time, memory and output, so that an input
// built to exhaust a process exhausts only its sandbox. Every failure becomes a typed SandboxError, and the child
// that failed is killed. A child that completed its task cleanly may serve later ones (see pool.ts).
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { SandboxLimits } from '../../infra/config';
import { countSandboxKill } from '../metrics';
import { childScript } from './bundle';
import { feedInput, InputWait } from './inputFeeder';
import { acquireChild, mayServeAgain } from './pool';
import { encodeRequest, type ParamsOf, type ResultOf, type TaskRegistry } from './protocol';
import { readResult, valueOfReply } from './resultReader';
import { SandboxError, type SandboxStats } from './SandboxError';
import { runError, TaskRun } from './taskRun';
import { type SandboxProgress, watch } from './watchdog';
import type { tasks } from './child/tasks';

export type { SandboxProgress };

/**
 * The configuration's sandbox limits are options under their names there: `maxHeapMb`, the child's V8 old space
 * (`--max-old-space-size`, default 256); `timeoutMs`, the time the child may take, not counting time spent waiting
 * for the input to arrive (default 30 000); `maxTasksPerChild`, tasks one child may serve before it is retired, 1
 * starting a child for every task (default 10 000: a new child costs its start and the warming of its JIT, seconds
 * of CPU, which long lives spread thin); `idleMs`, how long a child with no task stays ready for the next one
 * (default 30 000).
 */
export interface SandboxOptions extends Partial<SandboxLimits> {
  /** V8 young-generation semi-space (`--max-semi-space-size`); unset keeps V8's default. */
  maxSemiSpaceMb?: number;
  /**
   * Resident memory the parent lets the child reach, sampled every 100 ms: it also catches Buffers and other
   * memory outside the V8 heap. Default twice `maxHeapMb`.
   */
  maxRssMb?: number;
  /** Bytes the child may send back. Default 64 MiB. */
  maxOutputBytes?: number;
  /** Aborting kills the child; the run rejects with reason `cancelled` and the signal's reason as `cause`. */
  signal?: AbortSignal;
  /** Called every `progressIntervalMs` while the run lasts: wire it to the activity heartbeat. */
  onProgress?: (progress: SandboxProgress) => void;
  /** Default 1 000. */
  progressIntervalMs?: number;
  /** Run in a child that has served no other task, as a retry after a failure in a reused one should. */
  freshChild?: boolean;
}

export interface SandboxInput<P> {
  params: P;
  /** Streamed to the child's stdin after the parameters; a Readable is destroyed once the child is done. */
  bytes?: Readable | Uint8Array;
}

export interface SandboxRun<R> {
  value: R;
  stats: SandboxStats;
}

export interface Sandbox<R extends TaskRegistry> {
  /** Builds the child ahead of the first run (the first run otherwise pays for it, ~0.5 s). */
  prepare(): Promise<void>;
  run<K extends keyof R & string>(
    task: K,
    input: SandboxInput<ParamsOf<R[K]>>,
    options?: SandboxOptions,
  ): Promise<SandboxRun<ResultOf<R[K]>>>;
}

/** A sandbox serving the `tasks` registry exported by `tasksModule` (an absolute path to a .ts or .js module). */
export function createSandbox<R extends TaskRegistry>(tasksModule: string, defaults: SandboxOptions = {}): Sandbox<R> {
  return {
    prepare: async () => {
      await childScript(tasksModule);
    },
    run: async (task, input, options = {}) => {
      const script = await childScript(tasksModule);
      const value = await runChild(script, task, input, { ...defaults, ...options });
      return value as SandboxRun<never>;
    },
  };
}

/** The production sandbox: the tasks in ./tasks.ts. */
export const sandbox = createSandbox<typeof tasks>(path.join(__dirname, 'child', 'tasks.ts'));

export function runSandboxed<K extends keyof typeof tasks & string>(
  task: K,
  input: SandboxInput<ParamsOf<(typeof tasks)[K]>>,
  options?: SandboxOptions,
): Promise<SandboxRun<ResultOf<(typeof tasks)[K]>>> {
  return sandbox.run(task, input, options);
}

export const DEFAULT_TASKS_PER_CHILD = 10_000;
export const DEFAULT_IDLE_MS = 30_000;
const MB = 1024 * 1024;
const DRAIN_TIMEOUT_MS = 1_000;

/**
 * One task on a child, watched by three parts joined by the run's end: the watchdog (time, memory, cancellation,
 * progress), the result reader (fd 3) and the input feeder (stdin). Whichever ends the run decides how it ends;
 * a run that fails kills its child and settles once the child is gone.
 */
async function runChild(script: string, task: string, input: SandboxInput<unknown>, options: SandboxOptions): Promise<SandboxRun<unknown>> {
  const maxHeapMb = options.maxHeapMb ?? 256;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const policy = { maxTasksPerChild: options.maxTasksPerChild ?? DEFAULT_TASKS_PER_CHILD, idleMs: options.idleMs ?? DEFAULT_IDLE_MS };
  const { signal } = options;
  const request = encodeRequest({ task, params: input.params });
  const started = performance.now();
  const stats: SandboxStats = { pid: undefined, wallMs: 0, inputWaitMs: 0, inputBytes: 0, outputBytes: 0, maxRssBytes: 0, cpuMs: null, reusedChild: false };
  if (signal?.aborted) throw new SandboxError('cancelled', 'cancelled before the sandbox started', stats, { cause: signal.reason });

  const child = acquireChild(script, { maxHeapMb, maxSemiSpaceMb: options.maxSemiSpaceMb, timeoutMs }, options.freshChild === true);
  stats.pid = child.pid;
  stats.reusedChild = child.tasks > 0;
  const run = new TaskRun();
  run.onEnd((why) => {
    // Only a child that replied may be kept; whatever else ended the run, the child goes now.
    if (why.kind !== 'replied') child.kill();
  });
  const inputWait = new InputWait();
  const reader = readResult(run, stats, options.maxOutputBytes ?? 64 * MB, () => child.stderrTail);
  child.attach(reader.listener);
  watch(run, child.pid, stats, inputWait, {
    maxRssBytes: (options.maxRssMb ?? maxHeapMb * 2) * MB,
    timeoutMs,
    signal,
    onProgress: options.onProgress,
    progressIntervalMs: options.progressIntervalMs ?? 1_000,
  });
  const inputClosed = feedInput(run, child.stdin, request, input.bytes, stats, inputWait);
  void child.spawnError.then((err) => {
    // Spawning failed (EAGAIN, ENOMEM…): there is no child to wait for.
    if (child.pid === undefined) run.fail('crashed', `the sandbox could not start: ${err.message}`);
  });

  const why = await run.ended;
  const measure = (): void => {
    stats.wallMs = Math.round(performance.now() - started);
    stats.inputWaitMs = Math.round(inputWait.totalMs(performance.now()));
  };
  if (why.kind !== 'replied') {
    if (why.kind === 'failed') countSandboxKill(why.reason);
    if (child.pid !== undefined) await reader.exited;
    measure();
    child.release(false, policy.idleMs);
    throw runError(why, stats);
  }
  measure();
  // The child may take the next request only once this task's input has been closed off, which takes moments once
  // the source is destroyed. A child that does not drain it is not kept.
  const keep = mayServeAgain(child, why.envelope, policy) && (await within(inputClosed, DRAIN_TIMEOUT_MS));
  child.release(keep, policy.idleMs);
  return { value: valueOfReply(why, stats), stats };
}

/** What `promise` resolves to, or false if it takes longer than `ms`. */
function within(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
