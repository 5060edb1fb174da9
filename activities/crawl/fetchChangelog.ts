// Finds the changelog in a release's published archive, parses it, and stores it by content hash.
import type { Pool } from 'pg';
import { chooseChangelog, isChangelogName, parseChangelog } from '../../changelog';
import type { Config } from '../../infra/config';
import type { ChangelogRef } from '../../workflows/types';
import { decodeText, readRootFiles } from '../archive';
import { ArchiveRejectedError } from '../archive/types';
import { storeBlob } from '../eventStore/blobs';
import { cappedBody, httpGet } from '../http/httpGet';
import type { ResolvedRelease } from './resolveRelease';

/** Where a file inside the package can be read by people: its repository, when that is a web URL. */
export function sourceUrlFor(release: ResolvedRelease, fileName: string): string | null {
  const repo = release.repository;
  if (!repo || !repo.url.startsWith('https://')) return null;
  const dir = repo.directory ? `${repo.directory}/` : '';
  return `${repo.url}/blob/HEAD/${dir}${fileName}`;
}

export async function fetchChangelog(config: Config, pool: Pool, release: ResolvedRelease, signal?: AbortSignal): Promise<ChangelogRef | null> {
  if (!release.archive) return null;
  const { limits } = config;
  const response = await httpGet(release.archive.url, { userAgent: config.userAgent, ...(signal && { signal }) });
  const body = cappedBody(response, release.archive.url, limits.maxArchiveBytes);
  const { files } = await readRootFiles(body, {
    kind: release.archive.kind,
    limits: {
      maxCompressedBytes: limits.maxArchiveBytes,
      maxDecompressedBytes: limits.maxUnpackedBytes,
      maxEntries: limits.maxArchiveEntries,
      maxFileBytes: limits.maxChangelogBytes,
    },
    wanted: (path) => isChangelogName(path),
  });
  const candidates = files.filter((f) => isChangelogName(f.path) && !f.oversized);
  const chosen = chooseChangelog(candidates, { maxBytes: limits.maxChangelogBytes });
  if (!chosen) {
    const oversized = files.find((f) => f.oversized);
    if (oversized) {
      throw new ArchiveRejectedError(`${oversized.path} is ${oversized.size} bytes, over the limit of ${limits.maxChangelogBytes}`, 'file-size');
    }
    return null;
  }
  const decoded = decodeText(chosen.content);
  if ('error' in decoded) throw new ArchiveRejectedError(`${chosen.path}: ${decoded.message}`, 'malformed');
  const sourceUrl = sourceUrlFor(release, chosen.path);
  const parsed = parseChangelog(decoded.text, {
    fileName: chosen.path,
    sourceUrl,
    knownVersions: release.knownVersions,
    maxEntries: limits.maxEntries,
  });
  const rawSha256 = await storeBlob(pool, chosen.content, 'text/plain');
  const parsedSha256 = await storeBlob(pool, Buffer.from(JSON.stringify(parsed)), 'application/json');
  return {
    fileName: chosen.path,
    foundIn: `archive:${chosen.path}`,
    sourceUrl,
    format: parsed.format,
    rawSha256,
    parsedSha256,
    entryCount: parsed.entries.length,
  };
}
