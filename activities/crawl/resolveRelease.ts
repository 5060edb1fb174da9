import type { Config } from '../../infra/config';
import type { ReleaseInfo, ReleaseRef } from '../../workflows/types';
import { UpstreamError } from '../http/httpGet';
import { fetchPackument, releaseFromPackument } from '../registries/npm';
import { resolvePypiRelease } from '../registries/pypi';
import { resolveGemRelease } from '../registries/rubygems';
import type { UpstreamClient } from '../registries/upstreamClient';

export type ResolvedRelease = ReleaseInfo & { knownVersions: string[] };

export function upstreamClient(config: Config, baseUrl: string | null, what: string, perSecond?: number): UpstreamClient {
  if (!baseUrl) throw new UpstreamError(`no ${what} URL is configured`, 'not-configured');
  return { baseUrl, userAgent: config.userAgent, maxBytes: config.limits.maxMetadataBytes, ...(perSecond && { perSecond }) };
}

/** Asks the release's registry for what the crawl needs: archive URL, links, version list. */
export async function resolveRelease(config: Config, ref: Omit<ReleaseRef, 'version'> & { version?: string }, signal?: AbortSignal): Promise<ResolvedRelease> {
  const { upstreams } = config;
  switch (ref.registry) {
    case 'npm': {
      const client = upstreamClient(config, upstreams.npmRegistryUrl, 'npm registry (NPM_REGISTRY_URL)');
      const packument = await fetchPackument({ registryUrl: client.baseUrl, userAgent: client.userAgent, maxMetadataBytes: client.maxBytes }, ref.name, signal);
      return releaseFromPackument(packument, ref.name, ref.version);
    }
    case 'rubygems':
      return resolveGemRelease(upstreamClient(config, upstreams.rubygemsUrl, 'RubyGems (RUBYGEMS_URL)', upstreams.rubygemsPerSecond), ref.name, ref.version, signal);
    case 'pypi':
      return resolvePypiRelease(upstreamClient(config, upstreams.pypiUrl, 'PyPI (PYPI_URL)'), ref.name, ref.version, signal);
  }
}
