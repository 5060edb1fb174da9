// The first step of every crawl: the registry's metadata, then the package archive. Most changelogs are found
// here; where none is, the step names the leads on the forge for the crawl's later steps, and follows a
// declared changelog link that is not on the forge itself (no forge budget is spent on it).
import path from 'node:path';
import { isChangelogName } from '../../changelog';
import { type CrawlRef, type ForgeLeads, holdsEntries, type PackageLook, type ReleaseRef } from '../../workflows/types';
import { whileDatabaseDown } from '../../eventStore/whileDatabaseDown';
import { recordCrawlResult } from '../recording';
import { cappedBody, httpGet, UpstreamError } from '../http/httpGet';
import { downloadFile, type ForgeConfig, rawUrlOfBlobLink, repoOf } from '../registries/github';
import { forgeOf, repositoryFileUrl } from './forge';
import { resolveRelease, type ResolvedRelease } from './resolveRelease';
import { parseArchive, parseFile, type StepContext } from './sandboxed';

/** A source that does not have the file (404) is no changelog there; any other failure ends the step. */
async function unlessMissing<T>(work: () => Promise<T | null>): Promise<T | null> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UpstreamError && err.kind === 'not-found') return null;
    throw err;
  }
}

async function fromArchive(context: StepContext, release: ResolvedRelease, forge: ForgeConfig | null) {
  const archive = release.archive;
  if (!archive) return null;
  const { config, signal } = context;
  const response = await httpGet(archive.url, { userAgent: config.userAgent, ...(signal && { signal }) });
  const dir = release.repository?.directory ? `${release.repository.directory}/` : '';
  return parseArchive(
    context,
    { kind: archive.kind, bytes: cappedBody(response, archive.url, config.limits.maxArchiveBytes) },
    { knownVersions: release.knownVersions, sourceUrlBase: repositoryFileUrl(release.repository, forge, dir) },
  );
}

/** A declared link somewhere other than the forge, to a file (not a rendered page such as a releases list). */
async function fromOffForgeLink(context: StepContext, release: ResolvedRelease, link: string) {
  const fileName = path.posix.basename(new URL(link).pathname);
  if (!isChangelogName(fileName)) return null;
  const { config, signal } = context;
  const content = await downloadFile({ userAgent: config.userAgent }, link, config.limits.maxChangelogBytes, signal);
  return parseFile(context, { content, fileName, foundIn: `link:${link}`, sourceUrl: link }, release.knownVersions);
}

function leadsOf(release: ResolvedRelease, forge: ForgeConfig | null, onForgeLink: string | null): ForgeLeads | null {
  const repo = forge && release.repository ? repoOf(release.repository.url, forge) : null;
  const link = onForgeLink && release.changelogUrl
    ? { url: onForgeLink, fileName: path.posix.basename(new URL(release.changelogUrl).pathname), sourceUrl: release.changelogUrl }
    : null;
  if (!link && !repo) return null;
  return {
    link,
    repository: repo ? { ...repo, directory: release.repository?.directory ?? null } : null,
    knownVersions: release.knownVersions,
  };
}

/** What the registry and the archive tell; `leads` is null when there is nowhere else to look. */
async function look(context: StepContext, ref: ReleaseRef): Promise<PackageLook> {
  const release = await resolveRelease(context.config, ref, context.signal);
  const facts = { publishedAt: release.publishedAt, latestVersion: release.latestVersion, summary: release.summary };
  const forge = forgeOf(context.config);
  const inArchive = await unlessMissing(() => fromArchive(context, release, forge));
  if (holdsEntries(inArchive)) return { facts, changelog: inArchive, leads: null, recorded: null };

  const link = release.changelogUrl;
  const onForgeLink = link && forge ? rawUrlOfBlobLink(link, forge) : null;
  const linked = link && !onForgeLink ? await unlessMissing(() => fromOffForgeLink(context, release, link)) : null;
  if (holdsEntries(linked)) return { facts, changelog: linked, leads: null, recorded: null };
  return { facts, changelog: inArchive ?? linked, leads: leadsOf(release, forge, onForgeLink), recorded: null };
}

/**
 * The crawl's first step. When it leaves nowhere else to look (the usual case: the changelog was in the archive),
 * it records the result too, so such a crawl is one step: one activity, one workflow activation less.
 */
export async function crawlPackage(context: StepContext, input: { release: ReleaseRef; crawl: CrawlRef }): Promise<PackageLook> {
  const found = await look(context, input.release);
  if (found.leads !== null) return found;
  const outcome = found.changelog ? 'found' : 'not_found';
  const result = { release: { ...input.release, ...found.facts }, crawl: input.crawl, outcome, changelog: found.changelog, reason: null } as const;
  await whileDatabaseDown(() => recordCrawlResult(context.pool, result), { ...(context.signal && { signal: context.signal }) });
  return { ...found, recorded: outcome };
}
