// What a crawl activity should end with when its sandbox fails.
import { ApplicationFailure, CancelledFailure, log } from '@temporalio/activity';
import { PARSER_FAULT } from '../../changelog/ParserFault';
import { FAILURE_TYPES } from '../../workflows/types';
import { SandboxError } from './SandboxError';

/** Retryable: the crawl is tried again, and ends `failed` (replayable) once the attempts run out. */
export const SANDBOX_CRASHED = 'SandboxCrashed';

/**
 * The Temporal failure for a SandboxError; any other error is returned unchanged, so this composes with the
 * crawl's own `asActivityFailure`.
 *
 * - timeout, out-of-memory, output-too-large: the input exhausted its sandbox, and would again on every retry,
 *   so it is hostile or oversized: non-retryable `ChangelogRejected`, `details: [{ reason }]`.
 * - task-error: the task is a function of the input bytes, so it would throw again on every retry:
 *   `ChangelogRejected` too, with the task's message. Except a ParserFault, which is a bug in the parser and
 *   not the file's doing: non-retryable `ParserFault`, logged, so the crawl ends failed and can be replayed
 *   once the parser is fixed.
 * - crashed: a signal or exit nobody asked for (the system's OOM killer, a failed spawn) may not happen twice:
 *   retryable.
 * - cancelled: the activity's own cancellation, rethrown as such.
 *
 * Except: a task-error, out-of-memory or crash in a child that had served earlier tasks is not proof against this
 * input (an earlier task may have left the child unfit), so it is retryable; the retry runs in a fresh child.
 */
export function sandboxFailure(err: unknown): unknown {
  if (!(err instanceof SandboxError)) return err;
  if (err.stats.reusedChild && (err.reason === 'task-error' || err.reason === 'out-of-memory' || err.reason === 'crashed')) {
    return ApplicationFailure.retryable(`${err.message} (in a reused sandbox; retrying in a fresh one)`, SANDBOX_CRASHED, { reason: err.reason });
  }
  if (err.reason === 'task-error' && err.cause instanceof Error && err.cause.name === PARSER_FAULT) {
    log.error('the changelog parser failed on a file: a bug to fix, then replay the crawl', { error: err.message });
    return ApplicationFailure.nonRetryable(err.message, FAILURE_TYPES.parserFault);
  }
  switch (err.reason) {
    case 'timeout':
    case 'out-of-memory':
    case 'output-too-large':
    case 'task-error':
      return ApplicationFailure.nonRetryable(err.message, FAILURE_TYPES.rejected, { reason: err.reason });
    case 'crashed':
      return ApplicationFailure.retryable(err.message, SANDBOX_CRASHED);
    case 'cancelled':
      return err.cause instanceof CancelledFailure ? err.cause : new CancelledFailure(err.message);
  }
}
