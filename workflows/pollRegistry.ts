import { proxyActivities } from '@temporalio/workflow';
import type { DiscoveryActivities, PolledRegistry } from '../activities/discovery';
import { startCrawls } from './startCrawls';

/** Short, so a poll held by a worker that died is retried within a minute instead of blocking the schedule
 * (which skips ticks while a poll is still running). */
const discovery = proxyActivities<DiscoveryActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** One poll of a registry's feed (run by a Temporal Schedule): crawl what is new, then move the cursor. */
export async function pollRegistry(input: { registry: PolledRegistry }): Promise<{ found: number; started: number; gapFilled: number }> {
  const { releases, cursor, gapFilled } = await discovery.pollRegistry(input.registry);
  const started = await startCrawls(releases);
  await discovery.commitPollCursor({ registry: input.registry, cursor });
  return { found: releases.length, started, gapFilled };
}
