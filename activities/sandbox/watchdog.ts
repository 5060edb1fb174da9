// Watches a running task from outside its child, every 100 ms: ends the run when the child's resident memory or
// its time (not counting waits for input) goes over the limit, or when the caller cancels; reports progress
// meanwhile. Stops with the run.
import { residentBytes } from './childCommand';
import type { InputWait } from './inputFeeder';
import type { SandboxStats } from './SandboxError';
import type { TaskRun } from './taskRun';

export interface WatchdogOptions {
  maxRssBytes: number;
  timeoutMs: number;
  /** Cancels the run; its reason becomes the SandboxError's cause. */
  signal: AbortSignal | undefined;
  onProgress: ((progress: SandboxProgress) => void) | undefined;
  progressIntervalMs: number;
}

export interface SandboxProgress {
  pid: number;
  elapsedMs: number;
  inputBytes: number;
  outputBytes: number;
  rssBytes: number | null;
}

const MB = 1024 * 1024;
const POLL_MS = 100;

export function watch(run: TaskRun, pid: number | undefined, stats: SandboxStats, inputWait: InputWait, options: WatchdogOptions): void {
  const { maxRssBytes, timeoutMs, signal, onProgress, progressIntervalMs } = options;
  const started = performance.now();
  let lastProgress = started;

  const cancel = (): void => run.fail('cancelled', 'the sandbox was cancelled', signal?.reason);
  signal?.addEventListener('abort', cancel, { once: true });

  const tick = setInterval(() => {
    const now = performance.now();
    const rss = pid === undefined ? null : residentBytes(pid);
    if (rss !== null) stats.maxRssBytes = Math.max(stats.maxRssBytes, rss);
    if (rss !== null && rss > maxRssBytes) {
      run.fail('out-of-memory', `the sandbox's resident memory reached ${mb(rss)} MB, over the limit of ${mb(maxRssBytes)} MB`);
      return;
    }
    if (now - started - inputWait.totalMs(now) > timeoutMs) {
      run.fail('timeout', `the sandbox ran for more than ${timeoutMs} ms`);
      return;
    }
    if (onProgress && pid !== undefined && now - lastProgress >= progressIntervalMs) {
      lastProgress = now;
      try {
        onProgress({ pid, elapsedMs: Math.round(now - started), rssBytes: rss, inputBytes: stats.inputBytes, outputBytes: stats.outputBytes });
      } catch (error) {
        run.end({ kind: 'caller-failed', error });
      }
    }
  }, POLL_MS);

  run.onEnd(() => {
    clearInterval(tick);
    signal?.removeEventListener('abort', cancel);
  });
}

function mb(bytes: number): number {
  return Math.round(bytes / MB);
}
