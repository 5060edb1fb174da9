import { proxyActivities } from '@temporalio/workflow';
import type { DiscoveryActivities, PollOutcome, PolledRegistry } from '../activities/discovery';

/**
 * A short heartbeat timeout, so a poll held by a worker that died is retried within seconds instead of blocking
 * the schedule (which skips ticks while a poll is still running); the poll heartbeats while it runs.
 */
const discovery = proxyActivities<DiscoveryActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** One poll of a registry's feed (run by a Temporal Schedule): crawl what is new, then move the cursor. */
export async function pollRegistry(input: { registry: PolledRegistry }): Promise<PollOutcome> {
  return discovery.pollRegistry(input.registry);
}
