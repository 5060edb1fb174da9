// Finds a release's changelog, in order: its published archive, the changelog link it declares, its
// repository (the package's directory first, for monorepos), then the repository's release notes. The
// chosen text is parsed and stored by content hash; only hashes travel on.
import path from 'node:path';
import type { Pool } from 'pg';
import { chooseChangelog, isChangelogName, parseChangelog } from '../../changelog';
import type { Config } from '../../infra/config';
import type { ChangelogRef } from '../../workflows/types';
import { decodeText, readRootFiles } from '../archive';
import { ArchiveRejectedError } from '../archive/types';
import { storeBlob } from '../eventStore/blobs';
import { cappedBody, httpGet, UpstreamError } from '../http/httpGet';
import { downloadFile, type ForgeConfig, listDirectory, listReleases, rawUrlOfBlobLink, releasesAsMarkdown, repoOf } from '../registries/github';
import type { ResolvedRelease } from './resolveRelease';

/** A changelog's bytes and where they came from. */
export interface FoundChangelog {
  fileName: string;
  /** `archive:<path>`, `link:<url>`, `repository:<owner>/<repo>/<path>` or `releases:<owner>/<repo>`. */
  foundIn: string;
  sourceUrl: string | null;
  content: Buffer;
}

interface Sources {
  config: Config;
  forge: ForgeConfig | null;
  signal: AbortSignal | undefined;
}

function forgeOf(config: Config): ForgeConfig | null {
  const { githubApiUrl, githubRawUrl, githubWebUrl, githubToken } = config.upstreams;
  if (!githubApiUrl || !githubRawUrl) return null;
  return { apiUrl: githubApiUrl, rawUrl: githubRawUrl, webUrl: githubWebUrl, token: githubToken, userAgent: config.userAgent, maxBytes: config.limits.maxMetadataBytes };
}

/** A web page for a file of the repository, when the repository has a web address. */
function repositoryFileUrl(release: ResolvedRelease, forge: ForgeConfig | null, file: string): string | null {
  const repo = release.repository;
  if (!repo) return null;
  const ref = forge ? repoOf(repo.url, forge) : null;
  const base = ref && forge?.webUrl ? `${forge.webUrl.replace(/\/+$/, '')}/${ref.owner}/${ref.repo}` : repo.url.startsWith('https://') ? repo.url : null;
  return base ? `${base}/blob/HEAD/${file}` : null;
}

async function fromArchive(release: ResolvedRelease, { config, forge, signal }: Sources): Promise<FoundChangelog | null> {
  if (!release.archive) return null;
  const { limits } = config;
  const response = await httpGet(release.archive.url, { userAgent: config.userAgent, ...(signal && { signal }) });
  const { files } = await readRootFiles(cappedBody(response, release.archive.url, limits.maxArchiveBytes), {
    kind: release.archive.kind,
    limits: {
      maxCompressedBytes: limits.maxArchiveBytes,
      maxDecompressedBytes: limits.maxUnpackedBytes,
      maxEntries: limits.maxArchiveEntries,
      maxFileBytes: limits.maxChangelogBytes,
    },
    wanted: (file) => isChangelogName(file),
  });
  const chosen = chooseChangelog(files.filter((f) => isChangelogName(f.path) && !f.oversized), { maxBytes: limits.maxChangelogBytes });
  if (!chosen) {
    const oversized = files.find((f) => f.oversized && isChangelogName(f.path));
    if (oversized) throw new ArchiveRejectedError(`${oversized.path} is ${oversized.size} bytes, over the limit of ${limits.maxChangelogBytes}`, 'file-size');
    return null;
  }
  const dir = release.repository?.directory ? `${release.repository.directory}/` : '';
  return { fileName: chosen.path, foundIn: `archive:${chosen.path}`, sourceUrl: repositoryFileUrl(release, forge, `${dir}${chosen.path}`), content: chosen.content };
}

async function fromDeclaredLink(release: ResolvedRelease, { config, forge, signal }: Sources): Promise<FoundChangelog | null> {
  const link = release.changelogUrl;
  if (!link) return null;
  const raw = forge ? rawUrlOfBlobLink(link, forge) : null;
  const fileName = path.posix.basename(new URL(link).pathname);
  // A link to a rendered page (a releases list, a docs site) is not a file we can parse.
  const download = raw ?? (isChangelogName(fileName) ? link : null);
  if (!download) return null;
  const content = await downloadFile(forge ?? { userAgent: config.userAgent }, download, config.limits.maxChangelogBytes, signal);
  return { fileName, foundIn: `link:${link}`, sourceUrl: link, content };
}

async function fromRepository(release: ResolvedRelease, { config, forge, signal }: Sources): Promise<FoundChangelog | null> {
  const repo = forge && release.repository ? repoOf(release.repository.url, forge) : null;
  if (!forge || !repo) return null;
  const dirs = [...new Set([release.repository?.directory ?? '', ''])];
  for (const dir of dirs) {
    const entries = await listDirectory(forge, repo, dir, signal);
    const files = entries.filter((e) => e.type === 'file' && e.download_url).map((e) => ({ ...e, path: e.name }));
    const chosen = chooseChangelog(files.filter((f) => isChangelogName(f.path)), { maxBytes: config.limits.maxChangelogBytes });
    if (!chosen) continue;
    const content = await downloadFile(forge, chosen.download_url!, config.limits.maxChangelogBytes, signal);
    const filePath = dir ? `${dir}/${chosen.name}` : chosen.name;
    return { fileName: chosen.name, foundIn: `repository:${repo.owner}/${repo.repo}/${filePath}`, sourceUrl: repositoryFileUrl(release, forge, filePath), content };
  }
  return null;
}

async function fromReleases(release: ResolvedRelease, { forge, signal }: Sources): Promise<FoundChangelog | null> {
  const repo = forge && release.repository ? repoOf(release.repository.url, forge) : null;
  if (!forge || !repo) return null;
  const releases = await listReleases(forge, repo, signal);
  if (releases.length === 0) return null;
  const base = forge.webUrl ? `${forge.webUrl.replace(/\/+$/, '')}/${repo.owner}/${repo.repo}/releases` : null;
  return { fileName: 'RELEASES.md', foundIn: `releases:${repo.owner}/${repo.repo}`, sourceUrl: base, content: Buffer.from(releasesAsMarkdown(releases)) };
}

const SOURCES = [fromArchive, fromDeclaredLink, fromRepository, fromReleases];

/** Tries each source in order; a source that does not have the file (404) passes to the next. */
export async function findChangelog(release: ResolvedRelease, sources: Sources): Promise<FoundChangelog | null> {
  for (const source of SOURCES) {
    try {
      const found = await source(release, sources);
      if (found) return found;
    } catch (err) {
      if (!(err instanceof UpstreamError && err.kind === 'not-found')) throw err;
    }
  }
  return null;
}

export async function fetchChangelog(config: Config, pool: Pool, release: ResolvedRelease, signal?: AbortSignal): Promise<ChangelogRef | null> {
  const found = await findChangelog(release, { config, forge: forgeOf(config), signal });
  if (!found) return null;
  const decoded = decodeText(found.content);
  if ('error' in decoded) throw new ArchiveRejectedError(`${found.fileName}: ${decoded.message}`, 'malformed');
  const parsed = parseChangelog(decoded.text, {
    fileName: found.fileName,
    sourceUrl: found.sourceUrl,
    knownVersions: release.knownVersions,
    maxEntries: config.limits.maxEntries,
  });
  const rawSha256 = await storeBlob(pool, found.content, 'text/plain');
  const parsedSha256 = await storeBlob(pool, Buffer.from(JSON.stringify(parsed)), 'application/json');
  return { fileName: found.fileName, foundIn: found.foundIn, sourceUrl: found.sourceUrl, format: parsed.format, rawSha256, parsedSha256, entryCount: parsed.entries.length };
}
