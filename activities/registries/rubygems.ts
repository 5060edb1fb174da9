// RubyGems: the activity feeds that discovery polls, and one version's metadata for crawling it.
import type { ReleaseInfo } from '../../workflows/types';
import { httpGet, readJson, UpstreamError } from '../http/httpGet';
import { paced } from '../http/rateLimiter';
import type { UpstreamClient } from './upstreamClient';

/** An item of just_updated.json and timeframe_versions.json. */
export interface GemVersionItem {
  name: string;
  version: string;
  version_created_at?: string;
  platform?: string;
  info?: string;
  yanked?: boolean;
  gem_uri?: string;
  homepage_uri?: string | null;
  source_code_uri?: string | null;
  changelog_uri?: string | null;
  metadata?: Record<string, string>;
}

interface VersionsListItem {
  number: string;
  platform?: string;
  created_at?: string;
}

async function getJson<T>(client: UpstreamClient, path: string, signal?: AbortSignal): Promise<T> {
  const url = `${client.baseUrl}${path}`;
  if (client.perSecond) await paced(client.baseUrl, client.perSecond);
  const response = await httpGet(url, { userAgent: client.userAgent, accept: 'application/json', ...(signal && { signal }) });
  return readJson<T>(response, url, client.maxBytes);
}

export function justUpdated(client: UpstreamClient, signal?: AbortSignal): Promise<GemVersionItem[]> {
  return getJson(client, '/api/v1/activity/just_updated.json', signal);
}

/** One page (30 items) of the versions pushed in [from, to]; the window may span 7 days at most. */
export function timeframeVersions(client: UpstreamClient, from: string, to: string, page: number, signal?: AbortSignal): Promise<GemVersionItem[]> {
  const query = new URLSearchParams({ from, to, page: String(page) });
  return getJson(client, `/api/v1/timeframe_versions.json?${query}`, signal);
}

const enc = encodeURIComponent;

export async function resolveGemRelease(client: UpstreamClient, name: string, version: string | undefined, signal?: AbortSignal): Promise<ReleaseInfo & { knownVersions: string[] }> {
  const versions = await getJson<VersionsListItem[]>(client, `/api/v1/versions/${enc(name)}.json`, signal);
  if (!Array.isArray(versions) || versions.length === 0) throw new UpstreamError(`${name} has no versions`, 'not-found', 404);
  const knownVersions = [...new Set(versions.map((v) => v.number))];
  const wanted = version ?? versions[0]!.number;
  const item = await getJson<GemVersionItem & { version_created_at?: string }>(client, `/api/v2/rubygems/${enc(name)}/versions/${enc(wanted)}.json`, signal);
  const meta = item.metadata ?? {};
  const repository = item.source_code_uri ?? meta.source_code_uri ?? item.homepage_uri ?? null;
  return {
    registry: 'rubygems',
    name,
    version: wanted,
    publishedAt: item.version_created_at ?? versions.find((v) => v.number === wanted)?.created_at ?? null,
    latestVersion: versions[0]!.number,
    summary: item.info ?? null,
    archive: item.gem_uri ? { url: item.gem_uri, kind: 'gem' } : null,
    repository: repository ? { url: repository, directory: null } : null,
    changelogUrl: item.changelog_uri ?? meta.changelog_uri ?? null,
    knownVersions,
  };
}
