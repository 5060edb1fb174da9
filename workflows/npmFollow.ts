import { continueAsNew, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { DiscoveryActivities } from '../activities/discovery';
import { startCrawls } from './startCrawls';

export interface NpmFollowState {
  /** The replication feed's last_seq; null starts at the feed's current update_seq. */
  cursor: string | null;
  /** Packages never seen before yield the versions published after this time. */
  followingSince: string;
  pageSize: number;
  idleSeconds: number;
}

/** Feed reads talk to upstreams that come and go: never give up, back off. A short timeout, so a page
 * read by a worker that died is read again by another within a minute. */
const discovery = proxyActivities<DiscoveryActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Follows npm's replication feed for ever, one crawl per release, carrying its cursor across runs. */
export async function npmFollow(state: NpmFollowState): Promise<never> {
  let cursor = state.cursor;
  for (;;) {
    const page = await discovery.readNpmChanges({ since: cursor, limit: state.pageSize, followingSince: state.followingSince });
    if (page.reset) {
      log.warn('replication sequence was reset: the cursor is ahead of update_seq; restarting there', page.reset);
    }
    const started = await startCrawls(page.releases);
    if (page.releases.length > 0) log.info('crawls started', { found: page.releases.length, started, lastSeq: page.lastSeq });
    if (page.lastSeq !== cursor || page.seen.length > 0) await discovery.commitNpmPage({ seen: page.seen, lastSeq: page.lastSeq });
    cursor = page.lastSeq;
    if (page.caughtUp) await sleep(state.idleSeconds * 1000);
    if (workflowInfo().continueAsNewSuggested) await continueAsNew<typeof npmFollow>({ ...state, cursor });
  }
}
