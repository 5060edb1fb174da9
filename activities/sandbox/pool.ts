// Sandbox children, kept between tasks. Starting a child (node, then the bundled parser) costs tens of ms of CPU,
// several times what a whole crawl costs: a child that ended its task cleanly serves the next one, within bounds.
// A child is retired after any failure, after `maxTasksPerChild` tasks, when it keeps much of its heap, as its CPU
// rlimit comes near, and after `idleMs` without work.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { childCommand, cpuLimitSeconds } from './childCommand';
import { HEADER_LENGTH_BYTES, RESULT_FD, type Envelope } from './protocol';

const MB = 1024 * 1024;
const STDERR_TAIL_BYTES = 8 * 1024;

export interface SpawnOptions {
  maxHeapMb: number;
  maxSemiSpaceMb: number | undefined;
  timeoutMs: number;
}

/** What the task running on a child hears from it. */
export interface TaskListener {
  /** The length of the frame now arriving: false refuses it (the child is then killed). */
  onFrameStart(length: number): boolean;
  onBytes(bytes: number): void;
  /** A whole frame: the envelope, or the bytes of a result that announced them. */
  onFrame(frame: Buffer): void;
  onExit(code: number | null, signal: NodeJS.Signals | null): void;
}

export class SandboxChild {
  readonly pid: number | undefined;
  /** Tasks this child has started, the running one included. */
  tasks = 0;
  totalCpuMs = 0;
  exited = false;
  stderrTail = '';
  private listener: TaskListener | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private frame: { length: number; chunks: Buffer[]; received: number } | undefined;
  private header = Buffer.alloc(0);
  readonly spawnError: Promise<Error>;

  constructor(
    readonly key: string,
    readonly limits: SpawnOptions,
    private readonly process: ChildProcess,
  ) {
    this.pid = process.pid;
    this.spawnError = new Promise((resolve) => process.once('error', resolve));
    live.add(this);
    process.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    (process.stdio[RESULT_FD] as Readable).on('data', (chunk: Buffer) => this.receive(chunk));
    // A child that has died can take no more writes; the task learns of it from onExit.
    this.stdin.on('error', () => undefined);
    process.on('close', (code, signal) => {
      this.exited = true;
      live.delete(this);
      this.forget();
      const listener = this.listener;
      this.listener = undefined;
      listener?.onExit(code, signal);
    });
  }

  get stdin(): Writable {
    return this.process.stdin as Writable;
  }

  /** Hands the child to a task: its frames and its death are reported to `listener` until `release`. */
  attach(listener: TaskListener): void {
    this.listener = listener;
    this.tasks += 1;
    this.stderrTail = '';
    clearTimeout(this.idleTimer);
    this.setRef(true);
  }

  /** The task is done with the child; `keep` returns it to the pool, otherwise it is killed. */
  release(keep: boolean, idleMs: number): void {
    this.listener = undefined;
    if (!keep || this.exited) {
      this.kill();
      return;
    }
    this.setRef(false);
    const idle = pools.get(this.key) ?? [];
    idle.push(this);
    pools.set(this.key, idle);
    this.idleTimer = setTimeout(() => this.kill(), idleMs).unref();
  }

  kill(): void {
    this.forget();
    if (!this.exited) this.process.kill('SIGKILL');
  }

  /** Out of the idle pool, if it was there. */
  private forget(): void {
    clearTimeout(this.idleTimer);
    const idle = pools.get(this.key);
    const at = idle?.indexOf(this) ?? -1;
    if (idle && at >= 0) idle.splice(at, 1);
  }

  /** An idle child must not keep this process alive. */
  private setRef(on: boolean): void {
    const handles = [this.process, this.process.stdin, this.process.stderr, this.process.stdio[RESULT_FD]] as unknown as { ref?(): void; unref?(): void }[];
    for (const handle of handles) {
      if (on) handle?.ref?.();
      else handle?.unref?.();
    }
  }

  /** Cuts fd 3 into frames. Bytes when no task listens mean the child is out of step: it is killed. */
  private receive(chunk: Buffer): void {
    let rest = chunk;
    while (rest.length > 0) {
      const listener = this.listener;
      if (!listener) {
        this.kill();
        return;
      }
      if (!this.frame) {
        const need = HEADER_LENGTH_BYTES - this.header.length;
        this.header = Buffer.concat([this.header, rest.subarray(0, need)]);
        rest = rest.subarray(need);
        if (this.header.length < HEADER_LENGTH_BYTES) return;
        const length = this.header.readUInt32BE(0);
        this.header = Buffer.alloc(0);
        if (!listener.onFrameStart(length)) return;
        this.frame = { length, chunks: [], received: 0 };
      }
      const frame = this.frame;
      const part = rest.subarray(0, frame.length - frame.received);
      rest = rest.subarray(part.length);
      frame.chunks.push(part);
      frame.received += part.length;
      listener.onBytes(part.length);
      if (frame.received === frame.length) {
        this.frame = undefined;
        listener.onFrame(Buffer.concat(frame.chunks));
      }
    }
  }
}

/** Idle children by spawn key. */
const pools = new Map<string, SandboxChild[]>();
/** Every child of this process, idle or not, killed if this process exits so none outlives it by design. */
const live = new Set<SandboxChild>();
process.on('exit', () => {
  for (const child of live) child.kill();
});

/** An idle child started with the same limits, or a new one. */
export function acquireChild(script: string, limits: SpawnOptions, fresh: boolean): SandboxChild {
  const key = `${script}\n${limits.maxHeapMb}\n${limits.maxSemiSpaceMb ?? ''}\n${limits.timeoutMs}`;
  const idle = fresh ? undefined : pools.get(key);
  const reused = idle?.pop();
  if (reused) return reused;
  const [command, args] = childCommand(script, limits.maxHeapMb, limits.maxSemiSpaceMb, limits.timeoutMs);
  const child = spawn(command, args, {
    stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
    // Nothing of ours (database URL, tokens, NODE_OPTIONS) reaches untrusted code.
    env: {},
    cwd: path.dirname(script),
    windowsHide: true,
  });
  return new SandboxChild(key, limits, child);
}

export interface RetirePolicy {
  maxTasksPerChild: number;
  idleMs: number;
}

/** Whether a child that has just completed a task cleanly may take another. */
export function mayServeAgain(child: SandboxChild, envelope: Envelope, policy: RetirePolicy): boolean {
  if (!envelope.ok || child.exited) return false;
  if (child.tasks >= policy.maxTasksPerChild) return false;
  // Garbage counts too, so this errs towards a fresh child after any large task.
  if (envelope.usage.heapUsedBytes > (child.limits.maxHeapMb * MB) / 2) return false;
  if (envelope.usage.rssBytes > child.limits.maxHeapMb * MB) return false;
  // The rlimit counts CPU over the child's whole life; stop well before a task could run into it.
  return envelope.usage.totalCpuMs < (cpuLimitSeconds(child.limits.timeoutMs) * 1000) / 2;
}

/** Ends every idle child now (a worker shutting down, a test wanting fresh children). */
export function retireIdleChildren(): void {
  for (const child of [...pools.values()].flat()) child.kill();
}

/** Children alive now, idle or busy (for tests and diagnostics). */
export function liveChildren(): { pid: number | undefined; tasks: number; idle: boolean }[] {
  const idle = new Set([...pools.values()].flat());
  return [...live].map((c) => ({ pid: c.pid, tasks: c.tasks, idle: idle.has(c) }));
}
