// Turns what went wrong in a crawl step into the failure Temporal should act on.
import { ApplicationFailure } from '@temporalio/activity';
import { ArchiveRejectedError } from '../sandbox/child/archive/types';
import { FAILURE_TYPES } from '../../workflows/types';
import { UpstreamError } from '../http/httpGet';
import { SandboxError, sandboxFailure } from '../sandbox';

const { rejected: REJECTED, notPublished: NOT_PUBLISHED, upstreamUnavailable: UPSTREAM_UNAVAILABLE } = FAILURE_TYPES;

export function asActivityFailure(err: unknown): unknown {
  if (err instanceof SandboxError) return sandboxFailure(err);
  if (err instanceof ArchiveRejectedError) {
    return ApplicationFailure.nonRetryable(err.message, REJECTED, { reason: err.reason });
  }
  if (err instanceof UpstreamError) {
    switch (err.kind) {
      case 'not-found':
        return ApplicationFailure.nonRetryable(err.message, NOT_PUBLISHED);
      case 'not-configured':
        return ApplicationFailure.nonRetryable(err.message, 'UpstreamNotConfigured');
      case 'too-large':
        return ApplicationFailure.nonRetryable(err.message, REJECTED, { reason: 'too-large' });
      default:
        return ApplicationFailure.create({
          message: err.message,
          type: UPSTREAM_UNAVAILABLE,
          ...(err.retryAfterMs !== null && { nextRetryDelay: err.retryAfterMs }),
        });
    }
  }
  return err;
}

/** Runs a crawl step, translating its errors. */
export async function step<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asActivityFailure(err);
  }
}
