// The crawl worker's activities: everything that touches untrusted upstream content.
import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { Config } from '../../infra/config';
import type { ChangelogRef, ReleaseRef } from '../../workflows/types';
import { step } from './failures';
import { fetchChangelog } from './fetchChangelog';
import { resolveRelease, type ResolvedRelease } from './resolveRelease';

export function createCrawlActivities(config: Config, pool: Pool) {
  return {
    async resolveRelease(ref: ReleaseRef): Promise<ResolvedRelease> {
      return step(() => resolveRelease(config, ref, Context.current().cancellationSignal));
    },
    async fetchChangelog(release: ResolvedRelease): Promise<ChangelogRef | null> {
      const context = Context.current();
      return step(() =>
        fetchChangelog(config, pool, release, { signal: context.cancellationSignal, heartbeat: () => context.heartbeat(), attempt: context.info.attempt }),
      );
    },
  };
}

export type CrawlActivities = ReturnType<typeof createCrawlActivities>;
