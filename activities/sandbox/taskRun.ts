// One task on one child, as the parts that watch it see it: the watchdog, the result reader and the input feeder
// each may end the run, and each stops its own work once the run has ended, whoever ended it. The first end wins.
import type { Envelope } from './protocol';
import { SandboxError, type SandboxFailureReason, type SandboxStats } from './SandboxError';

/** Why a run ended. */
export type RunEnd =
  /** The child replied: its envelope, and the bytes it announced (undefined when they never came). */
  | { kind: 'replied'; envelope: Envelope; bytes: Buffer | undefined }
  /** The sandbox failed: a limit, a cancellation, or the child's death. */
  | { kind: 'failed'; reason: SandboxFailureReason; message: string; cause?: unknown }
  /** Something of the caller's failed (the input source, the progress callback): passed on unchanged. */
  | { kind: 'caller-failed'; error: unknown };

export class TaskRun {
  private readonly controller = new AbortController();
  /** Aborts, with the RunEnd as its reason, when the run ends. */
  readonly signal: AbortSignal = this.controller.signal;
  private first: RunEnd | undefined;
  /** Resolves with the first end. */
  readonly ended: Promise<RunEnd> = new Promise((resolve) => this.onEnd(resolve));

  end(why: RunEnd): void {
    if (this.first) return;
    this.first = why;
    this.controller.abort(why);
  }

  fail(reason: SandboxFailureReason, message: string, cause?: unknown): void {
    this.end({ kind: 'failed', reason, message, ...(cause !== undefined && { cause }) });
  }

  /** Calls `stop` once the run has ended (at once if it has). */
  onEnd(stop: (why: RunEnd) => void): void {
    if (this.first) stop(this.first);
    else this.signal.addEventListener('abort', () => stop(this.first!), { once: true });
  }

  get isOver(): boolean {
    return this.first !== undefined;
  }
}

/** The error a run that did not end with a reply rejects with. */
export function runError(why: Exclude<RunEnd, { kind: 'replied' }>, stats: SandboxStats): unknown {
  if (why.kind === 'caller-failed') return why.error;
  return new SandboxError(why.reason, why.message, stats, why.cause === undefined ? undefined : { cause: why.cause });
}
