// Runs one untrusted task in a sandbox child process, with limits on time, memory and output, so that an input
// built to exhaust a process exhausts only its sandbox. Every failure becomes a typed SandboxError, and the child
// that failed is killed. A child that completed its task cleanly may serve later ones (see pool.ts).
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { childScript } from './bundle';
import { residentBytes } from './childCommand';
import { acquireChild, mayServeAgain } from './pool';
import { encodeRequest, END_OF_INPUT, frameHeader, MAX_DATA_FRAME_BYTES, WithBytes, type Envelope, type ParamsOf, type ResultOf, type TaskRegistry } from './protocol';
import { SandboxError, type SandboxFailureReason, type SandboxStats } from './SandboxError';
import type { tasks } from './child/tasks';

export interface SandboxOptions {
  /** V8 old-space limit of the child (`--max-old-space-size`). Default 256. */
  maxHeapMb?: number;
  /** V8 young-generation semi-space (`--max-semi-space-size`); unset keeps V8's default. */
  maxSemiSpaceMb?: number;
  /**
   * Resident memory the parent lets the child reach, sampled every 100 ms: it also catches Buffers and other
   * memory outside the V8 heap. Default twice `maxHeapMb`.
   */
  maxRssMb?: number;
  /** Time the child may take, not counting time spent waiting for the input to arrive. Default 30 000. */
  timeoutMs?: number;
  /** Bytes the child may send back. Default 64 MiB. */
  maxOutputBytes?: number;
  /** Aborting kills the child; the run rejects with reason `cancelled` and the signal's reason as `cause`. */
  signal?: AbortSignal;
  /** Called every `progressIntervalMs` while the run lasts: wire it to the activity heartbeat. */
  onProgress?: (progress: SandboxProgress) => void;
  /** Default 1 000. */
  progressIntervalMs?: number;
  /**
   * Tasks one child may serve before it is retired; 1 starts a child for every task. Default 10 000: a new child
   * costs its start and the warming of its JIT, seconds of CPU, which long lives spread thin.
   */
  maxTasksPerChild?: number;
  /** How long a child with no task stays ready for the next one. Default 30 000. */
  idleMs?: number;
  /** Run in a child that has served no other task, as a retry after a failure in a reused one should. */
  freshChild?: boolean;
}

export interface SandboxProgress {
  pid: number;
  elapsedMs: number;
  inputBytes: number;
  outputBytes: number;
  rssBytes: number | null;
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
const POLL_MS = 100;
const DRAIN_TIMEOUT_MS = 1_000;

function runChild(script: string, task: string, input: SandboxInput<unknown>, options: SandboxOptions): Promise<SandboxRun<unknown>> {
  const maxHeapMb = options.maxHeapMb ?? 256;
  const maxRssBytes = (options.maxRssMb ?? maxHeapMb * 2) * MB;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxOutputBytes = options.maxOutputBytes ?? 64 * MB;
  const progressIntervalMs = options.progressIntervalMs ?? 1_000;
  const policy = { maxTasksPerChild: options.maxTasksPerChild ?? DEFAULT_TASKS_PER_CHILD, idleMs: options.idleMs ?? DEFAULT_IDLE_MS };
  const { signal, onProgress } = options;
  const request = encodeRequest({ task, params: input.params });

  return new Promise((resolve, reject) => {
    const started = performance.now();
    const stats: SandboxStats = {
      pid: undefined,
      wallMs: 0,
      inputWaitMs: 0,
      inputBytes: 0,
      outputBytes: 0,
      maxRssBytes: 0,
      cpuMs: null,
      reusedChild: false,
    };
    if (signal?.aborted) {
      reject(new SandboxError('cancelled', 'cancelled before the sandbox started', stats, { cause: signal.reason }));
      return;
    }

    const child = acquireChild(script, { maxHeapMb, maxSemiSpaceMb: options.maxSemiSpaceMb, timeoutMs }, options.freshChild === true);
    stats.pid = child.pid;
    stats.reusedChild = child.tasks > 0;

    let killed: { reason: SandboxFailureReason; message: string } | undefined;
    // Errors that are not the sandbox's: the input source failing, or the progress callback throwing.
    let callerError: { error: unknown } | undefined;
    let envelope: Envelope | undefined;
    /** The frame of bytes a WithBytes result announced, once it has arrived. */
    let resultBytes: Buffer | undefined;
    let waitingSince: number | undefined;
    let lastProgress = started;
    const source = input.bytes && !(input.bytes instanceof Uint8Array) ? input.bytes : undefined;

    const kill = (reason: SandboxFailureReason, message: string): void => {
      killed ??= { reason, message };
      child.kill();
    };
    const failFromOutside = (error: unknown): void => {
      callerError ??= { error };
      child.kill();
    };
    const onAbort = (): void => kill('cancelled', 'the sandbox was cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });

    const tick = setInterval(() => {
      const now = performance.now();
      const rss = child.pid === undefined ? null : residentBytes(child.pid);
      if (rss !== null) stats.maxRssBytes = Math.max(stats.maxRssBytes, rss);
      if (rss !== null && rss > maxRssBytes) {
        kill('out-of-memory', `the sandbox's resident memory reached ${mb(rss)} MB, over the limit of ${mb(maxRssBytes)} MB`);
        return;
      }
      const waiting = waitingSince === undefined ? 0 : now - waitingSince;
      if (now - started - stats.inputWaitMs - waiting > timeoutMs) {
        kill('timeout', `the sandbox ran for more than ${timeoutMs} ms`);
        return;
      }
      if (onProgress && child.pid !== undefined && now - lastProgress >= progressIntervalMs) {
        lastProgress = now;
        const progress = { pid: child.pid, elapsedMs: Math.round(now - started), rssBytes: rss, ...pick(stats) };
        try {
          onProgress(progress);
        } catch (err) {
          failFromOutside(err);
        }
      }
    }, POLL_MS);

    let settled = false;
    const settle = (outcome: () => SandboxRun<unknown>, keepChild: boolean): void => {
      if (settled) return;
      settled = true;
      clearInterval(tick);
      signal?.removeEventListener('abort', onAbort);
      source?.destroy();
      stats.wallMs = Math.round(performance.now() - started);
      stats.inputWaitMs = Math.round(stats.inputWaitMs);
      const finish = (): void => {
        try {
          resolve(outcome());
        } catch (err) {
          reject(err);
        }
      };
      if (!keepChild) {
        child.release(false, policy.idleMs);
        finish();
        return;
      }
      // The child may take the next request only once this task's input has been closed off, which takes
      // moments once the source is destroyed. A child that does not drain it is not kept.
      const drained = new Promise<boolean>((done) => {
        const timer = setTimeout(() => done(false), DRAIN_TIMEOUT_MS);
        feeding.then(
          () => done(true),
          () => done(false),
        ).finally(() => clearTimeout(timer));
      });
      void drained.then((clean) => {
        child.release(clean, policy.idleMs);
        finish();
      });
    };

    const fromChild = (envelope: Envelope): SandboxRun<unknown> => {
      stats.maxRssBytes = Math.max(stats.maxRssBytes, envelope.usage.maxRssBytes);
      stats.cpuMs = envelope.usage.cpuMs;
      if (!envelope.ok) throw new SandboxError('task-error', `${envelope.error.name}: ${envelope.error.message}`, stats);
      if (envelope.bytes === undefined) return { value: envelope.value, stats };
      const attached = envelope.bytes === 0 ? Buffer.alloc(0) : resultBytes;
      if (!attached) throw new SandboxError('crashed', `the sandbox announced ${envelope.bytes} bytes of result and ended without them`, stats);
      return { value: new WithBytes(envelope.value, attached), stats };
    };
    /** Whether the result is complete: an envelope announcing bytes waits for their frame. */
    const complete = (envelope: Envelope): boolean => !announced(envelope) || resultBytes !== undefined;

    child.attach({
      onFrameStart: (length) => {
        if (stats.outputBytes + length > maxOutputBytes) {
          kill('output-too-large', `the sandbox tried to send back ${stats.outputBytes + length} bytes, over the limit of ${maxOutputBytes}`);
          return false;
        }
        return true;
      },
      onBytes: (count) => {
        stats.outputBytes += count;
      },
      onFrame: (frame) => {
        if (envelope && !complete(envelope)) {
          if (frame.length !== announced(envelope)) {
            kill('crashed', `the sandbox sent back ${frame.length} bytes of result, not the ${announced(envelope)} it announced`);
            return;
          }
          resultBytes = frame;
        } else {
          try {
            envelope = JSON.parse(frame.toString('utf8')) as Envelope;
          } catch {
            kill('crashed', 'the sandbox sent back a result that is not JSON');
            return;
          }
        }
        const result = envelope;
        if (killed || callerError || !complete(result)) return;
        settle(() => fromChild(result), mayServeAgain(child, result, policy));
      },
      onExit: (code, exitSignal) => {
        settle(() => {
          if (killed) throw new SandboxError(killed.reason, killed.message, stats, { cause: killed.reason === 'cancelled' ? signal?.reason : undefined });
          if (callerError) throw callerError.error;
          // A child replies, then exits, when a stray error leaves it unfit for another task.
          if (envelope) return fromChild(envelope);
          throw new SandboxError(...deathCause(code, exitSignal, child.stderrTail), stats);
        }, false);
      },
    });

    void child.spawnError.then((err) => {
      // Spawning failed (EAGAIN, ENOMEM…): there is no child to wait for.
      if (child.pid === undefined) settle(() => failure('crashed', `the sandbox could not start: ${err.message}`, stats), false);
    });

    const feeding = feed(child.stdin, request, input.bytes, {
      onWait: (waiting) => {
        const now = performance.now();
        if (waiting) waitingSince = now;
        else if (waitingSince !== undefined) {
          stats.inputWaitMs += now - waitingSince;
          waitingSince = undefined;
        }
      },
      onBytes: (bytes) => {
        stats.inputBytes += bytes;
      },
      isDone: () => settled,
    });
    feeding.catch((err: unknown) => {
      // A closed input means the child is gone or going: its exit says why, not this write.
      if (!settled && !(err instanceof InputClosed)) failFromOutside(err);
    });
  });
}

/** The bytes an envelope says follow it in a frame of their own. */
function announced(envelope: Envelope): number {
  return envelope.ok ? (envelope.bytes ?? 0) : 0;
}

function failure(reason: SandboxFailureReason, message: string, stats: SandboxStats): never {
  throw new SandboxError(reason, message, stats);
}

interface FeedHooks {
  onWait(waiting: boolean): void;
  onBytes(bytes: number): void;
  isDone(): boolean;
}

/**
 * Writes the request, then the input as data frames, then the end-of-input frame, keeping count of the time spent
 * waiting on the source. Stops pulling the source once the task is done with it.
 */
async function feed(stdin: Writable, request: Buffer, bytes: Readable | Uint8Array | undefined, hooks: FeedHooks): Promise<void> {
  await write(stdin, request);
  const send = async (chunk: Uint8Array): Promise<void> => {
    for (let at = 0; at < chunk.length && !hooks.isDone(); at += MAX_DATA_FRAME_BYTES) {
      const part = chunk.subarray(at, at + MAX_DATA_FRAME_BYTES);
      hooks.onBytes(part.length);
      // The header is 4 bytes: only the body's write needs to wait for the pipe.
      if (!stdin.destroyed) stdin.write(frameHeader(part.length));
      await write(stdin, part);
    }
  };
  if (bytes instanceof Uint8Array) {
    await send(bytes);
  } else if (bytes) {
    const chunks = bytes[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (;;) {
      hooks.onWait(true);
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        // Destroying the source once the task is done ends its iteration with a premature-close error.
        if (hooks.isDone()) break;
        throw err;
      } finally {
        hooks.onWait(false);
      }
      if (next.done || stdin.destroyed || hooks.isDone()) break;
      await send(next.value);
    }
  }
  await write(stdin, END_OF_INPUT);
  if (stdin.destroyed) throw new InputClosed();
}

/** The child's stdin closed before all the input was written: the child has died, or is about to. */
class InputClosed extends Error {
  constructor() {
    super('the sandbox closed its input');
  }
}

/** Resolves once `chunk` is accepted, or once the stream can accept nothing more. */
function write(stream: Writable, chunk: Uint8Array): Promise<void> {
  if (stream.destroyed || stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    stream.on('drain', done).on('close', done).on('error', done);
  });
}

function deathCause(code: number | null, signal: NodeJS.Signals | null, stderr: string): [SandboxFailureReason, string] {
  // V8 prints this before aborting when the heap limit is reached.
  const oom = /FATAL ERROR: .*out of memory|Fatal process out of memory/i.exec(stderr);
  if (oom) return ['out-of-memory', `the sandbox ran out of memory: ${oom[0]}`];
  if (signal === 'SIGXCPU') return ['timeout', 'the sandbox used up its CPU time limit'];
  const how = signal ? `was killed by ${signal}` : `exited with code ${code} without a result`;
  const lastLine = stderr.trim().split('\n').pop();
  return ['crashed', `the sandbox ${how}${lastLine ? `: ${lastLine.slice(0, 500)}` : ''}`];
}

function pick(stats: SandboxStats): { inputBytes: number; outputBytes: number } {
  return { inputBytes: stats.inputBytes, outputBytes: stats.outputBytes };
}

function mb(bytes: number): number {
  return Math.round(bytes / MB);
}
