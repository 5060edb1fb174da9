// The forge steps of a crawl. Each makes exactly one request to the forge, so that the forge task queue's rate
// limit (one activity, one request) is the forge's quota; parsing and storing happen in the same step.
import type { Config } from '../../infra/config';
import { type ChangelogRef, type ForgeFile, type ForgeRepository, type ReleaseInfo } from '../../workflows/types';
import { chooseChangelog, isChangelogName } from '../../changelog';
import { UpstreamError } from '../http/httpGet';
import { downloadFile, type ForgeConfig, listDirectory, listReleases, releasesAsMarkdown, repoOf } from '../registries/github';
import { parseFile, type StepContext } from './sandboxed';

export function forgeOf(config: Config): ForgeConfig | null {
  const { githubApiUrl, githubRawUrl, githubWebUrl, githubToken } = config.upstreams;
  if (!githubApiUrl || !githubRawUrl) return null;
  return { apiUrl: githubApiUrl, rawUrl: githubRawUrl, webUrl: githubWebUrl, token: githubToken, userAgent: config.userAgent, maxBytes: config.limits.maxMetadataBytes };
}

function requireForge(config: Config): ForgeConfig {
  const forge = forgeOf(config);
  if (!forge) throw new UpstreamError('no forge is configured (GITHUB_API_URL, GITHUB_RAW_URL)', 'not-configured');
  return forge;
}

function repositoryBase(repository: ReleaseInfo['repository'], forge: ForgeConfig | null): string | null {
  if (!repository) return null;
  const ref = forge ? repoOf(repository.url, forge) : null;
  if (ref && forge?.webUrl) return `${forge.webUrl.replace(/\/+$/, '')}/${ref.owner}/${ref.repo}`;
  return repository.url.startsWith('https://') ? repository.url : null;
}

/** A web page for a file of the repository, when the repository has a web address. */
export function repositoryFileUrl(repository: ReleaseInfo['repository'], forge: ForgeConfig | null, file: string): string | null {
  const base = repositoryBase(repository, forge);
  return base ? `${base}/blob/HEAD/${file}` : null;
}

function webBase(forge: ForgeConfig, repository: ForgeRepository): string | null {
  return forge.webUrl ? `${forge.webUrl.replace(/\/+$/, '')}/${repository.owner}/${repository.repo}` : null;
}

/** Downloads one file from the forge and parses it; null when the forge does not have it. */
export async function forgeFile(context: StepContext, input: { file: ForgeFile; knownVersions: string[] }): Promise<ChangelogRef | null> {
  const forge = requireForge(context.config);
  const { file } = input;
  let content: Buffer;
  try {
    content = await downloadFile(forge, file.url, context.config.limits.maxChangelogBytes, context.signal);
  } catch (err) {
    if (err instanceof UpstreamError && err.kind === 'not-found') return null;
    throw err;
  }
  return parseFile(context, { content, fileName: file.fileName, foundIn: file.foundIn, sourceUrl: file.sourceUrl }, input.knownVersions);
}

/** Lists one directory of the repository and picks the file that looks like its changelog. */
export async function forgeListing(context: StepContext, input: { repository: ForgeRepository; dir: string }): Promise<ForgeFile | null> {
  const forge = requireForge(context.config);
  const { repository, dir } = input;
  let entries;
  try {
    entries = await listDirectory(forge, repository, dir, context.signal);
  } catch (err) {
    if (err instanceof UpstreamError && err.kind === 'not-found') return null;
    throw err;
  }
  const files = entries.filter((e) => e.type === 'file' && e.download_url && isChangelogName(e.name)).map((e) => ({ ...e, path: e.name }));
  const chosen = chooseChangelog(files, { maxBytes: context.config.limits.maxChangelogBytes });
  if (!chosen) return null;
  const filePath = dir ? `${dir}/${chosen.name}` : chosen.name;
  const base = webBase(forge, repository);
  return {
    url: chosen.download_url!,
    fileName: chosen.name,
    foundIn: `repository:${repository.owner}/${repository.repo}/${filePath}`,
    sourceUrl: base ? `${base}/blob/HEAD/${filePath}` : null,
  };
}

/** The repository's release notes as one changelog. */
export async function forgeReleases(context: StepContext, input: { repository: ForgeRepository; knownVersions: string[] }): Promise<ChangelogRef | null> {
  const forge = requireForge(context.config);
  const { repository } = input;
  let releases;
  try {
    releases = await listReleases(forge, repository, context.signal);
  } catch (err) {
    if (err instanceof UpstreamError && err.kind === 'not-found') return null;
    throw err;
  }
  if (releases.length === 0) return null;
  const base = webBase(forge, repository);
  return parseFile(
    context,
    { content: Buffer.from(releasesAsMarkdown(releases)), fileName: 'RELEASES.md', foundIn: `releases:${repository.owner}/${repository.repo}`, sourceUrl: base ? `${base}/releases` : null },
    input.knownVersions,
  );
}
