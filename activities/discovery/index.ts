// Discovery activities (orchestration worker): read a registry's feed, start a crawl for each new release, and
// only then move the cursor. A step that fails midway is simply run again: a crawl already started is not
// started twice (one workflow id per release), and the cursor moves only once every crawl has started.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../../infra/config';
import { startCrawls } from '../../infra/temporal/crawls';
import { step } from '../crawl/failures';
import { upstreamClient } from '../crawl/resolveRelease';
import { loadCursor, saveCursor } from './cursors';
import { commitNpmSeen, readNpmChanges, type ReadChangesInput } from './npmChanges';
import type { TimeCursor } from './newReleases';
import { pollPypi, type PypiCursor } from './pollPypi';
import { pollRubygems } from './pollRubygems';

export type PolledRegistry = 'rubygems' | 'pypi';

/** What one page of the npm replication feed came to. */
export interface NpmPage {
  /** The cursor to continue from. */
  lastSeq: string;
  caughtUp: boolean;
  /** Releases found on the page, and how many of their crawls started now (the rest had started before). */
  found: number;
  started: number;
  reset: { from: string; to: string } | null;
  cutShort: boolean;
}

export interface PollOutcome {
  found: number;
  started: number;
  gapFilled: number;
}

/** How often a running discovery step tells Temporal its worker is alive (its heartbeat timeout is 30 s). */
const KEEP_ALIVE_MS = 5_000;

const pollSource = (registry: PolledRegistry) => `poll-${registry}`;

async function keptAlive<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), KEEP_ALIVE_MS);
  try {
    return await step(() => work(context.cancellationSignal));
  } finally {
    clearInterval(timer);
  }
}

export function createDiscoveryActivities(config: Config, pool: Pool, temporal: Client) {
  const { taskQueue } = config.temporal;
  return {
    /** Reads one page of the replication feed, starts its crawls, then records the page as done. */
    async followNpmPage(input: Omit<ReadChangesInput, 'budgetMs'>): Promise<NpmPage> {
      return keptAlive(async () => {
        const registry = upstreamClient(config, config.upstreams.npmRegistryUrl, 'npm registry (NPM_REGISTRY_URL)');
        const replicate = upstreamClient(config, config.upstreams.npmReplicateUrl, 'npm replication feed (NPM_REPLICATE_URL)');
        const npm = { registryUrl: registry.baseUrl, userAgent: config.userAgent, maxMetadataBytes: config.limits.maxMetadataBytes };
        const page = await readNpmChanges(pool, replicate.baseUrl, npm, { ...input, budgetMs: config.discovery.followPageSeconds * 1000 });
        const started = await startCrawls(temporal, taskQueue, page.releases, 'discovered');
        if (page.lastSeq !== input.since || page.seen.length > 0) await commitNpmSeen(pool, page.seen, page.lastSeq);
        return { lastSeq: page.lastSeq, caughtUp: page.caughtUp, found: page.releases.length, started, reset: page.reset, cutShort: page.cutShort };
      });
    },

    /** One poll of a registry's feed: starts a crawl for each new release, then moves the cursor. */
    async pollRegistry(registry: PolledRegistry): Promise<PollOutcome> {
      return keptAlive(async (signal) => {
        const source = pollSource(registry);
        let polled: { releases: Parameters<typeof startCrawls>[2]; cursor: unknown; gapFilled: number };
        if (registry === 'rubygems') {
          const client = upstreamClient(config, config.upstreams.rubygemsUrl, 'RubyGems (RUBYGEMS_URL)', config.upstreams.rubygemsPerSecond);
          polled = await pollRubygems(client, await loadCursor<TimeCursor>(pool, source), signal);
        } else {
          const client = upstreamClient(config, config.upstreams.pypiUrl, 'PyPI (PYPI_URL)');
          polled = { ...(await pollPypi(client, await loadCursor<PypiCursor>(pool, source), config.discovery.pypiSerialJournal, signal)), gapFilled: 0 };
        }
        const started = await startCrawls(temporal, taskQueue, polled.releases, 'discovered');
        if (polled.cursor !== null) await saveCursor(pool, source, polled.cursor);
        return { found: polled.releases.length, started, gapFilled: polled.gapFilled };
      });
    },
  };
}

export type DiscoveryActivities = ReturnType<typeof createDiscoveryActivities>;
