import { continueAsNew, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { DiscoveryActivities } from '../activities/discovery';

export interface NpmFollowState {
  /** The replication feed's last_seq; null starts at the feed's current update_seq. */
  cursor: string | null;
  /** Packages never seen before yield the versions published after this time. */
  followingSince: string;
  pageSize: number;
  idleSeconds: number;
}

/**
 * Pages talk to upstreams that come and go: never give up, back off. A page heartbeats while it runs, so one
 * held by a worker that died is read again by another within 30 s, and its packument reads stop at a time
 * budget (FOLLOW_PAGE_SECONDS), so a slow registry shortens pages instead of timing them out again and again.
 */
const discovery = proxyActivities<DiscoveryActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Follows npm's replication feed for ever, one crawl per release, carrying its cursor across runs. */
export async function npmFollow(state: NpmFollowState): Promise<never> {
  let cursor = state.cursor;
  for (;;) {
    const page = await discovery.followNpmPage({ since: cursor, limit: state.pageSize, followingSince: state.followingSince });
    if (page.reset) log.warn('replication sequence was reset: the cursor is ahead of update_seq; restarting there', page.reset);
    if (page.found > 0) log.info('crawls started', { found: page.found, started: page.started, lastSeq: page.lastSeq, cutShort: page.cutShort });
    cursor = page.lastSeq;
    if (page.caughtUp) await sleep(state.idleSeconds * 1000);
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof npmFollow>({ ...state, cursor });
  }
}
