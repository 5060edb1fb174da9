// Discovery activities (orchestration worker): read the registries' feeds, remember where we are.
import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { Config } from '../../infra/config';
import type { ReleaseRef } from '../../workflows/types';
import { step } from '../crawl/failures';
import { upstreamClient } from '../crawl/resolveRelease';
import { loadCursor, saveCursor } from './cursors';
import { type ChangesPage, commitNpmSeen, readNpmChanges, type ReadChangesInput } from './npmChanges';
import { pollPypi, type PypiCursor } from './pollPypi';
import { pollRubygems } from './pollRubygems';
import type { TimeCursor } from './newReleases';

export type PolledRegistry = 'rubygems' | 'pypi';

export interface PollOutcome {
  releases: ReleaseRef[];
  cursor: unknown;
  gapFilled: number;
}

const pollSource = (registry: PolledRegistry) => `poll-${registry}`;

export function createDiscoveryActivities(config: Config, pool: Pool) {
  const signal = () => Context.current().cancellationSignal;
  return {
    async loadNpmCursor(): Promise<string | null> {
      return (await loadCursor<{ lastSeq: string }>(pool, 'npm-follow'))?.lastSeq ?? null;
    },

    async readNpmChanges(input: ReadChangesInput): Promise<ChangesPage> {
      return step(() => {
        const { npmReplicateUrl } = config.upstreams;
        const registry = upstreamClient(config, config.upstreams.npmRegistryUrl, 'npm registry (NPM_REGISTRY_URL)');
        const replicate = upstreamClient(config, npmReplicateUrl, 'npm replication feed (NPM_REPLICATE_URL)');
        return readNpmChanges(pool, replicate.baseUrl, { registryUrl: registry.baseUrl, userAgent: config.userAgent, maxMetadataBytes: config.limits.maxMetadataBytes }, input);
      });
    },

    async commitNpmPage(input: { seen: ChangesPage['seen']; lastSeq: string }): Promise<void> {
      await commitNpmSeen(pool, input.seen, input.lastSeq);
    },

    async pollRegistry(registry: PolledRegistry): Promise<PollOutcome> {
      return step(async () => {
        if (registry === 'rubygems') {
          const client = upstreamClient(config, config.upstreams.rubygemsUrl, 'RubyGems (RUBYGEMS_URL)', config.upstreams.rubygemsPerSecond);
          return pollRubygems(client, await loadCursor<TimeCursor>(pool, pollSource(registry)), signal());
        }
        const client = upstreamClient(config, config.upstreams.pypiUrl, 'PyPI (PYPI_URL)');
        const result = await pollPypi(client, await loadCursor<PypiCursor>(pool, pollSource(registry)), config.discovery.pypiSerialJournal, signal());
        return { ...result, gapFilled: 0 };
      });
    },

    async commitPollCursor(input: { registry: PolledRegistry; cursor: unknown }): Promise<void> {
      if (input.cursor !== null) await saveCursor(pool, pollSource(input.registry), input.cursor);
    },
  };
}

export type DiscoveryActivities = ReturnType<typeof createDiscoveryActivities>;
