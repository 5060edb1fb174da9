// Finds a release's changelog, in order: its published archive, the changelog link it declares, its
// repository (the package's directory first, for monorepos), then the repository's release notes.
// Everything that touches the untrusted bytes (unpacking, decoding, parsing, rendering) runs in a sandbox
// process; the chosen text and its parse are stored by content hash, and only hashes travel on.
import path from 'node:path';
import type { Pool } from 'pg';
import { chooseChangelog, isChangelogName } from '../../changelog';
import type { Config } from '../../infra/config';
import type { ChangelogRef } from '../../workflows/types';
import { ArchiveRejectedError } from '../sandbox/child/archive/types';
import { changelogBytes, type CrawlArchiveResult, type Found, type ParsedText, runSandboxed, type SandboxOptions } from '../sandbox';
import { storeBlob } from '../../eventStore/blobs';
import { whileDatabaseDown } from '../../eventStore/whileDatabaseDown';
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
  sandbox: SandboxOptions;
}

/** A changelog parsed in the sandbox: the file as published, the parsed changelog's JSON, and where it came from. */
type Parsed = Found & { raw: Buffer; parsedJson: Buffer; foundIn: string };

/** `sent`: the file given to the sandbox, for a file parsed on its own; an archive's changelog comes back with its own. */
function accept(result: CrawlArchiveResult | ParsedText, foundIn: string, sent?: Buffer): Parsed | null {
  const { value } = result;
  if (value.outcome === 'rejected') throw new ArchiveRejectedError(value.message, value.reason);
  if (value.outcome !== 'found') return null;
  const { raw, parsedJson } = changelogBytes(value, result.bytes);
  return { ...value, raw: sent ?? raw, parsedJson, foundIn };
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

async function fromArchive(release: ResolvedRelease, { config, forge, signal, sandbox }: Sources): Promise<Parsed | null> {
  if (!release.archive) return null;
  const { limits } = config;
  const response = await httpGet(release.archive.url, { userAgent: config.userAgent, ...(signal && { signal }) });
  const dir = release.repository?.directory ? `${release.repository.directory}/` : '';
  const { value } = await runSandboxed(
    'crawlArchive',
    {
      params: {
        kind: release.archive.kind,
        limits,
        knownVersions: release.knownVersions,
        sourceUrlBase: repositoryFileUrl(release, forge, dir),
      },
      bytes: cappedBody(response, release.archive.url, limits.maxArchiveBytes),
    },
    sandbox,
  );
  return accept(value, value.value.outcome === 'found' ? `archive:${value.value.fileName}` : 'archive');
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

async function parseFile(found: FoundChangelog, release: ResolvedRelease, { config, sandbox }: Sources): Promise<Parsed | null> {
  const { value } = await runSandboxed(
    'parseText',
    {
      params: {
        fileName: found.fileName,
        sourceUrl: found.sourceUrl,
        knownVersions: release.knownVersions,
        limits: config.limits,
      },
      bytes: found.content,
    },
    sandbox,
  );
  return accept(value, found.foundIn, found.content);
}

const FILE_SOURCES = [fromDeclaredLink, fromRepository, fromReleases];

/** A source that does not have the file (404) passes to the next; any other failure ends the step. */
async function unlessMissing<T>(work: () => Promise<T | null>): Promise<T | null> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UpstreamError && err.kind === 'not-found') return null;
    throw err;
  }
}

export async function findChangelog(release: ResolvedRelease, sources: Sources): Promise<Parsed | null> {
  const fromPackage = await unlessMissing(() => fromArchive(release, sources));
  if (fromPackage) return fromPackage;
  for (const source of FILE_SOURCES) {
    const found = await unlessMissing(() => source(release, sources));
    if (found) return parseFile(found, release, sources);
  }
  return null;
}

export interface FetchOptions {
  signal?: AbortSignal;
  heartbeat?: () => void;
  /** The activity's attempt: a retry runs its sandboxes in fresh children, whose verdict then stands. */
  attempt?: number;
}

export async function fetchChangelog(config: Config, pool: Pool, release: ResolvedRelease, options: FetchOptions = {}): Promise<ChangelogRef | null> {
  const { signal, heartbeat, attempt = 1 } = options;
  const sandbox: SandboxOptions = {
    ...config.sandbox,
    freshChild: attempt > 1,
    ...(signal && { signal }),
    ...(heartbeat && { onProgress: () => heartbeat() }),
  };
  const found = await findChangelog(release, { config, forge: forgeOf(config), signal, sandbox });
  if (!found) return null;
  const waiting = { ...(heartbeat && { onWait: heartbeat }), ...(signal && { signal }) };
  const rawSha256 = await whileDatabaseDown(() => storeBlob(pool, found.raw, 'text/plain'), waiting);
  // Stored as the sandbox wrote it: the crawl never parses the changelog's JSON.
  const parsedSha256 = await whileDatabaseDown(() => storeBlob(pool, found.parsedJson, 'application/json'), waiting);
  return {
    fileName: found.fileName,
    foundIn: found.foundIn,
    sourceUrl: found.sourceUrl,
    format: found.format,
    rawSha256,
    parsedSha256,
    entryCount: found.entryCount,
  };
}
