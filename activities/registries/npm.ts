// The npm registry: packuments (package documents) and what one release needs from them.
import type { ReleaseInfo } from '../../workflows/types';
import { httpGet, readJson, UpstreamError } from '../http/httpGet';

export interface Packument {
  _id?: string;
  _rev?: string;
  name: string;
  description?: string;
  'dist-tags'?: Record<string, string>;
  versions?: Record<string, PackumentVersion>;
  time?: Record<string, string>;
  repository?: RepositoryField;
}

type RepositoryField = string | { type?: string; url?: string; directory?: string };

interface PackumentVersion {
  name: string;
  version: string;
  description?: string;
  dist?: { tarball?: string; shasum?: string; integrity?: string };
  repository?: RepositoryField;
  deprecated?: string;
}

export interface NpmClientOptions {
  registryUrl: string;
  userAgent: string;
  maxMetadataBytes: number;
}

/** `@scope/name` travels as `@scope%2fname`, as the registry expects. */
export function packumentUrl(registryUrl: string, name: string): string {
  return `${registryUrl.replace(/\/+$/, '')}/${name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name)}`;
}

export async function fetchPackument(options: NpmClientOptions, name: string, signal?: AbortSignal): Promise<Packument> {
  const url = packumentUrl(options.registryUrl, name);
  const response = await httpGet(url, { userAgent: options.userAgent, accept: 'application/json', ...(signal && { signal }) });
  const packument = await readJson<Packument>(response, url, options.maxMetadataBytes);
  if (typeof packument !== 'object' || packument === null || typeof packument.versions !== 'object') {
    throw new UpstreamError(`${url} is not a packument`, 'bad-response', response.status);
  }
  return packument;
}

/** `github:user/repo`, `user/repo`, `git+https://host/user/repo.git` → a browsable https URL. */
export function repositoryWebUrl(field: RepositoryField | undefined): { url: string; directory: string | null } | null {
  if (!field) return null;
  const raw = typeof field === 'string' ? field : field.url;
  const directory = typeof field === 'object' && field.directory ? field.directory.replace(/^\.?\/+|\/+$/g, '') : null;
  if (!raw) return null;
  const shorthand = /^(?:(github|gitlab|bitbucket):)?([\w.-]+)\/([\w.-]+)$/.exec(raw);
  if (shorthand) {
    // Shorthands name a forge without a URL; the crawler resolves them against its configured forge.
    return { url: `${shorthand[1] ?? 'github'}:${shorthand[2]}/${shorthand[3]!.replace(/\.git$/, '')}`, directory };
  }
  // http(s) URLs keep their scheme and port (a self-hosted forge may use either); git and ssh become https.
  const web = /^(?:git\+)?(https?):\/\/(?:[^@/]+@)?([^/]+)\/(.+?)(?:\.git)?\/?$/.exec(raw);
  if (web) return { url: `${web[1]}://${web[2]}/${web[3]}`, directory };
  const other = /^(?:git\+)?(?:git|ssh):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?[/:](.+?)(?:\.git)?\/?$/.exec(raw)
    ?? /^(?:[^@/]+@)([^:/]+):(.+?)(?:\.git)?\/?$/.exec(raw);
  if (!other) return null;
  return { url: `https://${other[1]}/${other[2]}`, directory };
}

/** Resolves one release (`version` omitted: the `latest` dist-tag) from its packument. */
export function releaseFromPackument(packument: Packument, name: string, version?: string): ReleaseInfo & { knownVersions: string[] } {
  const latest = packument['dist-tags']?.latest ?? null;
  const wanted = version ?? latest;
  const manifest = wanted ? packument.versions?.[wanted] : undefined;
  if (!wanted || !manifest) {
    throw new UpstreamError(`${name}@${version ?? 'latest'} is not published`, 'not-found', 404);
  }
  const tarball = manifest.dist?.tarball;
  return {
    registry: 'npm',
    name,
    version: wanted,
    publishedAt: packument.time?.[wanted] ?? null,
    latestVersion: latest,
    summary: manifest.description ?? packument.description ?? null,
    archive: tarball ? { url: tarball, kind: 'npm' } : null,
    repository: repositoryWebUrl(manifest.repository ?? packument.repository),
    changelogUrl: null,
    knownVersions: Object.keys(packument.versions ?? {}),
  };
}

/** Versions published after `after`, oldest first. */
export function versionsSinceTime(packument: Packument, after: string): string[] {
  const threshold = Date.parse(after);
  return Object.entries(packument.time ?? {})
    .filter(([version, time]) => version !== 'created' && version !== 'modified' && packument.versions?.[version] && Date.parse(time) > threshold)
    .sort(([, a], [, b]) => Date.parse(a) - Date.parse(b))
    .map(([version]) => version);
}
