// Counters of what crawl steps do, served with the Temporal SDK's own metrics on the worker's Prometheus endpoint.
// A worker process hands its runtime's meter over at start (workers/telemetry.ts); anywhere else (`changelogs
// parse`, benchmarks, tests in one process) the meter is a no-op, so the code that counts never asks whether
// anything listens. (Finished crawls are counted by the crawl workflow itself, with the workflow's meter.)
import { type MetricMeter, noopMetricMeter } from '@temporalio/common';
import { UpstreamError } from './http/httpGet';
import type { SandboxFailureReason } from './sandbox/SandboxError';

function countersOf(meter: MetricMeter) {
  return {
    sandboxKills: meter.createCounter('changelogs_sandbox_kills', undefined, 'Sandbox processes ended before they replied, by reason'),
    forgeRequests: meter.createCounter('changelogs_forge_requests', undefined, 'Requests sent by forge steps (one each), by step'),
    forgeRateLimited: meter.createCounter('changelogs_forge_rate_limited', undefined, 'Forge answers saying the rate limit was reached, by step'),
  };
}

let counters = countersOf(noopMetricMeter);

/** Counts from now on into `meter` (the worker runtime's). */
export function useMetricMeter(meter: MetricMeter): void {
  counters = countersOf(meter);
}

/** A sandbox process was ended, or died, before replying: a limit it reached, a cancellation, a crash. */
export function countSandboxKill(reason: SandboxFailureReason): void {
  counters.sandboxKills.add(1, { reason });
}

/** Runs a forge step's one request, counting it, and counting a rate-limit answer to it. */
export async function countedForgeRequest<T>(step: string, request: () => Promise<T>): Promise<T> {
  counters.forgeRequests.add(1, { step });
  try {
    return await request();
  } catch (err) {
    if (err instanceof UpstreamError && err.kind === 'rate-limited') counters.forgeRateLimited.add(1, { step });
    throw err;
  }
}
