export type SandboxFailureReason =
  /** The wall-clock budget ran out (time spent waiting for input does not count). */
  | 'timeout'
  /** The child hit its heap limit, or its resident memory crossed `maxRssMb`. */
  | 'out-of-memory'
  /** The child died in some other way, or could not be started. */
  | 'crashed'
  /** The child tried to send back more than `maxOutputBytes`. */
  | 'output-too-large'
  /** The caller's signal aborted the run. */
  | 'cancelled'
  /** The task itself threw; `message` is its message. */
  | 'task-error';

/** What the parent knows about a child when the run ends. */
export interface SandboxStats {
  pid: number | undefined;
  /** From handing the task to a child to its result. */
  wallMs: number;
  /** The part of `wallMs` spent waiting for the input source, which the time limit does not count. */
  inputWaitMs: number;
  inputBytes: number;
  outputBytes: number;
  /** The child's own peak RSS when it reported one, else the highest the parent sampled. */
  maxRssBytes: number;
  /** CPU time the child reported for this task; null when it died without reporting. */
  cpuMs: number | null;
  /**
   * The child had served earlier tasks. Its failure is then not proof against this input: something an earlier
   * task left behind may have caused it, so the verdict belongs to a retry in a fresh child.
   */
  reusedChild: boolean;
}

export class SandboxError extends Error {
  override name = 'SandboxError';
  constructor(
    readonly reason: SandboxFailureReason,
    message: string,
    readonly stats: SandboxStats,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
