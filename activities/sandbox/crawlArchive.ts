// The untrusted half of a crawl: from a release's archive bytes to its chosen changelog, raw and parsed. Runs
// inside the sandbox; everything it returns is small, plain data.
import type { Readable } from 'node:stream';
import { chooseChangelog, isChangelogName } from '../../changelog/find';
import type * as Parse from '../../changelog/parse';
import type { ChangelogFormat, ParsedChangelog } from '../../changelog/types';
import { decodeText } from '../archive/decodeText';
import { readRootFiles } from '../archive/readRootFiles';
import { ArchiveRejectedError, type ArchiveKind } from '../archive/types';

export interface CrawlArchiveLimits {
  /** Compressed bytes read from the archive. */
  maxArchiveBytes: number;
  /** Bytes produced by decompression, all entries together. */
  maxUnpackedBytes: number;
  maxArchiveEntries: number;
  /** Bytes of the changelog file. */
  maxChangelogBytes: number;
  /** Characters per line kept after decoding; longer lines are cut, so per-line parsing stays bounded. */
  maxLineLength: number;
  /** Entries kept from the changelog. */
  maxEntries: number;
}

export interface CrawlArchiveParams {
  kind: ArchiveKind;
  limits: CrawlArchiveLimits;
  knownVersions: readonly string[];
  /** Prefix that turns a root file name into a web URL of the file (`sourceUrlFor(release, '')`), or null. */
  sourceUrlBase: string | null;
}

export type CrawlArchiveResult =
  | { outcome: 'not-found' }
  | {
      outcome: 'found';
      fileName: string;
      format: ChangelogFormat;
      /** The chosen file's bytes as published, base64. */
      raw: string;
      parsed: ParsedChangelog;
    }
  | Rejected;

interface Rejected {
  outcome: 'rejected';
  reason: ArchiveRejectedError['reason'];
  message: string;
}

/** A decoded and parsed changelog, without its bytes: whoever sent them has them already. */
export type ParsedText = { outcome: 'found'; fileName: string; format: ChangelogFormat; parsed: ParsedChangelog } | Rejected;

export async function crawlArchive(params: CrawlArchiveParams, archive: Readable): Promise<CrawlArchiveResult> {
  const { limits } = params;
  let files;
  try {
    ({ files } = await readRootFiles(archive, {
      kind: params.kind,
      limits: {
        maxCompressedBytes: limits.maxArchiveBytes,
        maxDecompressedBytes: limits.maxUnpackedBytes,
        maxEntries: limits.maxArchiveEntries,
        maxFileBytes: limits.maxChangelogBytes,
      },
      wanted: (path) => isChangelogName(path),
    }));
  } catch (err) {
    if (err instanceof ArchiveRejectedError) return rejected(err.reason, err.message);
    throw err;
  }
  const candidates = files.filter((f) => isChangelogName(f.path) && !f.oversized);
  const chosen = chooseChangelog(candidates, { maxBytes: limits.maxChangelogBytes });
  if (!chosen) {
    const oversized = files.find((f) => f.oversized);
    if (!oversized) return { outcome: 'not-found' };
    return rejected('file-size', `${oversized.path} is ${oversized.size} bytes, over the limit of ${limits.maxChangelogBytes}`);
  }
  const result = parseChosen(chosen.content, chosen.path, params.sourceUrlBase === null ? null : params.sourceUrlBase + chosen.path, params);
  // Only this side has the file's bytes, to send back to be stored.
  return result.outcome === 'found' ? { ...result, raw: chosen.content.toString('base64') } : result;
}

/** Decodes and parses a chosen changelog: the part every source (archive, link, repository) shares. */
export function parseChosen(
  content: Buffer,
  fileName: string,
  sourceUrl: string | null,
  params: { knownVersions: readonly string[]; limits: Pick<CrawlArchiveLimits, 'maxLineLength' | 'maxEntries'> },
): ParsedText {
  const decoded = decodeText(content, { maxLineLength: params.limits.maxLineLength });
  if ('error' in decoded) return rejected('malformed', `${fileName}: ${decoded.message}`);
  // Loaded only when there is a changelog to parse: the renderer's start-up is half the cost of starting a child
  // (~20 ms), and most archives are rejected or have no changelog.
  const { parseChangelog } = require('../../changelog/parse') as typeof Parse;
  const parsed = parseChangelog(decoded.text, {
    fileName,
    sourceUrl,
    knownVersions: params.knownVersions,
    maxEntries: params.limits.maxEntries,
  });
  return { outcome: 'found', fileName, format: parsed.format, parsed };
}

function rejected(reason: ArchiveRejectedError['reason'], message: string): Rejected {
  return { outcome: 'rejected', reason, message };
}
