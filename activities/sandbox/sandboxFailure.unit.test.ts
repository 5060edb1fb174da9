import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { FAILURE_TYPES } from '../../workflows/types';
import { SandboxError, type SandboxFailureReason } from './SandboxError';
import { SANDBOX_CRASHED, sandboxFailure } from './sandboxFailure';

const stats = { pid: 1, wallMs: 1, inputWaitMs: 0, inputBytes: 0, outputBytes: 0, maxRssBytes: 0, cpuMs: null, reusedChild: false };
const error = (reason: SandboxFailureReason, cause?: unknown, reusedChild = false) =>
  new SandboxError(reason, `sandbox ${reason}`, { ...stats, reusedChild }, { cause });

describe('sandboxFailure', () => {
  it.each(['timeout', 'out-of-memory', 'output-too-large', 'task-error'] as const)(
    'rejects the changelog, without retries, when the sandbox ends with %s',
    (reason) => {
      const failure = sandboxFailure(error(reason));
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({ type: FAILURE_TYPES.rejected, nonRetryable: true, message: `sandbox ${reason}`, details: [{ reason }] });
    },
  );

  it('lets a crash be retried', () => {
    expect(sandboxFailure(error('crashed'))).toMatchObject({ type: SANDBOX_CRASHED, nonRetryable: false });
  });

  it.each(['task-error', 'out-of-memory', 'crashed'] as const)('retries %s when the child had served earlier tasks: a fresh child judges', (reason) => {
    const failure = sandboxFailure(error(reason, undefined, true));
    expect(failure).toMatchObject({ type: SANDBOX_CRASHED, nonRetryable: false, details: [{ reason }] });
    expect((failure as Error).message).toMatch(/reused sandbox/);
  });

  it.each(['timeout', 'output-too-large'] as const)('rejects %s at once even in a reused child: no earlier task causes those', (reason) => {
    expect(sandboxFailure(error(reason, undefined, true))).toMatchObject({ type: FAILURE_TYPES.rejected, nonRetryable: true });
  });

  it("rethrows the activity's own cancellation", () => {
    const cancelled = new CancelledFailure('CANCELLED');
    expect(sandboxFailure(error('cancelled', cancelled))).toBe(cancelled);
    expect(sandboxFailure(error('cancelled'))).toBeInstanceOf(CancelledFailure);
  });

  it('returns other errors unchanged', () => {
    const other = new Error('not ours');
    expect(sandboxFailure(other)).toBe(other);
  });
});
