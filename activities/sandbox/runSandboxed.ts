// Runs one untrusted task in a child process of its own, with limits on time, memory and output, so that an
// input built to exhaust a process exhausts only its sandbox. Every failure becomes a typed SandboxError.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { childScript } from './bundle';
import { childCommand, residentBytes } from './childCommand';
import { encodeRequest, RESULT_FD, type Envelope, type ParamsOf, type ResultOf, type TaskRegistry } from './protocol';
import { SandboxError, type SandboxFailureReason, type SandboxStats } from './SandboxError';
import type { tasks } from './tasks';

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
export const sandbox = createSandbox<typeof tasks>(path.join(__dirname, 'tasks.ts'));

export function runSandboxed<K extends keyof typeof tasks & string>(
  task: K,
  input: SandboxInput<ParamsOf<(typeof tasks)[K]>>,
  options?: SandboxOptions,
): Promise<SandboxRun<ResultOf<(typeof tasks)[K]>>> {
  return sandbox.run(task, input, options);
}

const MB = 1024 * 1024;
const POLL_MS = 100;
const STDERR_TAIL_BYTES = 8 * 1024;

/** Children still running, killed if this process exits so none outlives it by design. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function runChild(script: string, task: string, input: SandboxInput<unknown>, options: SandboxOptions): Promise<SandboxRun<unknown>> {
  const maxHeapMb = options.maxHeapMb ?? 256;
  const maxRssBytes = (options.maxRssMb ?? maxHeapMb * 2) * MB;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxOutputBytes = options.maxOutputBytes ?? 64 * MB;
  const progressIntervalMs = options.progressIntervalMs ?? 1_000;
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
    };
    if (signal?.aborted) {
      reject(new SandboxError('cancelled', 'cancelled before the sandbox started', stats, { cause: signal.reason }));
      return;
    }

    const [command, args] = childCommand(script, maxHeapMb, options.maxSemiSpaceMb, timeoutMs);
    const child = spawn(command, args, {
      stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
      // Nothing of ours (database URL, tokens, NODE_OPTIONS) reaches untrusted code.
      env: {},
      cwd: path.dirname(script),
      windowsHide: true,
    });
    stats.pid = child.pid;
    live.add(child);

    let killed: { reason: SandboxFailureReason; message: string } | undefined;
    // Errors that are not the sandbox's: the input source failing, or the progress callback throwing.
    let callerError: { error: unknown } | undefined;
    let waitingSince: number | undefined;
    let lastProgress = started;
    let stderrTail = '';
    const output: Buffer[] = [];
    const source = input.bytes && !(input.bytes instanceof Uint8Array) ? input.bytes : undefined;

    const kill = (reason: SandboxFailureReason, message: string): void => {
      killed ??= { reason, message };
      child.kill('SIGKILL');
    };
    const failFromOutside = (error: unknown): void => {
      callerError ??= { error };
      child.kill('SIGKILL');
    };
    const onAbort = (): void => kill('cancelled', 'the sandbox was cancelled');
    signal?.addEventListener('abort', onAbort, { once: true });

    const results = child.stdio[RESULT_FD] as Readable;
    results.on('data', (chunk: Buffer) => {
      stats.outputBytes += chunk.length;
      if (stats.outputBytes > maxOutputBytes) {
        kill('output-too-large', `the sandbox tried to send back more than ${maxOutputBytes} bytes`);
        return;
      }
      output.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });

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

    const failure = (reason: SandboxFailureReason, message: string): never => {
      throw new SandboxError(reason, message, stats);
    };

    let settled = false;
    const settle = (outcome: () => SandboxRun<unknown>): void => {
      if (settled) return;
      settled = true;
      clearInterval(tick);
      live.delete(child);
      signal?.removeEventListener('abort', onAbort);
      source?.destroy();
      stats.wallMs = Math.round(performance.now() - started);
      stats.inputWaitMs = Math.round(stats.inputWaitMs);
      try {
        resolve(outcome());
      } catch (err) {
        reject(err);
      }
    };

    child.on('error', (err) => {
      // Spawning failed (EAGAIN, ENOMEM…): there is no child to wait for.
      if (child.pid === undefined) settle(() => failure('crashed', `the sandbox could not start: ${err.message}`));
    });
    child.on('close', (code, exitSignal) => {
      settle(() => {
        if (killed) throw new SandboxError(killed.reason, killed.message, stats, { cause: killed.reason === 'cancelled' ? signal?.reason : undefined });
        if (callerError) throw callerError.error;
        const envelope = parseEnvelope(output);
        if (envelope) {
          stats.maxRssBytes = Math.max(stats.maxRssBytes, envelope.usage.maxRssBytes);
          stats.cpuMs = envelope.usage.cpuMs;
          if (envelope.ok) return { value: envelope.value, stats };
          return failure('task-error', `${envelope.error.name}: ${envelope.error.message}`);
        }
        return failure(...deathCause(code, exitSignal, stderrTail));
      });
    });

    const stdin = child.stdin as Writable;
    // The child may finish without reading all of its input (a rejection, a gem's trailing entries).
    stdin.on('error', () => undefined);
    feed(stdin, request, input.bytes, {
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
      isDone: () => !live.has(child),
    }).catch((err: unknown) => {
      if (live.has(child)) failFromOutside(err);
    });
  });
}

interface FeedHooks {
  onWait(waiting: boolean): void;
  onBytes(bytes: number): void;
  isDone(): boolean;
}

/** Writes the request then the input, keeping count of the time spent waiting on the source. */
async function feed(stdin: Writable, request: Buffer, bytes: Readable | Uint8Array | undefined, hooks: FeedHooks): Promise<void> {
  await write(stdin, request);
  if (bytes instanceof Uint8Array) {
    hooks.onBytes(bytes.length);
    await write(stdin, bytes);
  } else if (bytes) {
    const chunks = bytes[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (;;) {
      hooks.onWait(true);
      const next = await chunks.next().finally(() => hooks.onWait(false));
      // Once the child has closed its stdin, pulling more would only spin on a source nobody reads.
      if (next.done || stdin.destroyed || hooks.isDone()) break;
      hooks.onBytes(next.value.length);
      await write(stdin, next.value);
    }
  }
  stdin.end();
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

function parseEnvelope(output: Buffer[]): Envelope | undefined {
  if (output.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(output).toString('utf8')) as Envelope;
  } catch {
    // Cut short by the child's death: the exit status says why.
    return undefined;
  }
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
