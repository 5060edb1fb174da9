import type { Config } from '../../infra/config';
import type { ReleaseInfo, ReleaseRef } from '../../workflows/types';
import { fetchPackument, releaseFromPackument } from '../registries/npm';

export type ResolvedRelease = ReleaseInfo & { knownVersions: string[] };

/** Asks the release's registry for what the crawl needs: archive URL, repository, version list. */
export async function resolveRelease(config: Config, ref: Omit<ReleaseRef, 'version'> & { version?: string }, signal?: AbortSignal): Promise<ResolvedRelease> {
  switch (ref.registry) {
    case 'npm': {
      const packument = await fetchPackument(
        { registryUrl: config.upstreams.npmRegistryUrl, userAgent: config.userAgent, maxMetadataBytes: config.limits.maxMetadataBytes },
        ref.name,
        signal,
      );
      return releaseFromPackument(packument, ref.name, ref.version);
    }
    default:
      throw new Error(`crawling ${ref.registry} releases is not supported yet`);
  }
}
