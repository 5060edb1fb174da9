// The untrusted half of a crawl: from a release's archive bytes to its chosen changelog, raw and parsed. Runs
// inside the sandbox. What it finds comes back as bytes ready to store: the file as published and the parsed
// changelog's JSON, which the crawl stores as they are, without parsing them.
import type { Readable } from 'node:stream';
import { changelogCandidates, isChangelogName } from '../../../changelog/find';
import type * as Parse from '../../../changelog/parse';
import type { ChangelogFormat } from '../../../changelog/types';
import type { Limits } from '../../../infra/config';
import { decodeText } from './archive/decodeText';
import { readRootFiles } from './archive/readRootFiles';
import { ArchiveRejectedError, type ArchiveKind, type ArchiveLimits } from './archive/types';
import { WithBytes } from '../protocol';

/** The configuration's limits a changelog's text is decoded and parsed within. */
export type TextLimits = Pick<Limits, 'maxLineLength' | 'maxChangelogEntries'>;

export interface CrawlArchiveParams {
  kind: ArchiveKind;
  limits: ArchiveLimits & TextLimits;
  knownVersions: readonly string[];
  /** Prefix that turns a root file name into a web URL of the file (`sourceUrlFor(release, '')`), or null. */
  sourceUrlBase: string | null;
}

/**
 * A changelog found and parsed. Its bytes (`WithBytes.bytes`) are the file as published, `rawBytes` of them, then
 * the ParsedChangelog as JSON: see changelogBytes.
 */
export interface Found {
  outcome: 'found';
  fileName: string;
  format: ChangelogFormat;
  sourceUrl: string | null;
  entryCount: number;
  /** 0 where the caller sent the file (parseText) and has it already. */
  rawBytes: number;
}

interface Rejected {
  outcome: 'rejected';
  reason: ArchiveRejectedError['reason'];
  message: string;
}

export type CrawlArchiveResult = WithBytes<{ outcome: 'not-found' } | Found | Rejected>;

/** A decoded and parsed changelog file. */
export type ParsedText = WithBytes<Found | Rejected>;

/** The file as published (empty for parseText) and the parsed changelog's JSON, out of a found result's bytes. */
export function changelogBytes(found: Found, bytes: Buffer): { raw: Buffer; parsedJson: Buffer } {
  return { raw: bytes.subarray(0, found.rawBytes), parsedJson: bytes.subarray(found.rawBytes) };
}

export async function crawlArchive(params: CrawlArchiveParams, archive: Readable): Promise<CrawlArchiveResult> {
  const { limits } = params;
  let files;
  try {
    ({ files } = await readRootFiles(archive, { kind: params.kind, limits, wanted: (path) => isChangelogName(path) }));
  } catch (err) {
    if (err instanceof ArchiveRejectedError) return noBytes(rejected(err.reason, err.message));
    throw err;
  }
  // The changelog is the first file named like one, best name first, that holds a release entry, whatever its
  // size. Where none does, the best-named one stands, as the crawl keeps a changelog without entries in case no
  // other source has one with entries (holdsEntries).
  let fallback: ParsedText | null = null;
  for (const file of changelogCandidates(files.filter((f) => !f.oversized), { maxBytes: limits.maxChangelogBytes })) {
    // Only this side has the file's bytes, to send back to be stored.
    const parsed = parseChosen(file.content, file.path, params.sourceUrlBase === null ? null : params.sourceUrlBase + file.path, params, true);
    if (parsed.value.outcome === 'found' && parsed.value.entryCount > 0) return parsed;
    fallback ??= parsed;
  }
  if (fallback) return fallback;
  const oversized = files.find((f) => f.oversized);
  if (!oversized) return noBytes({ outcome: 'not-found' });
  return noBytes(rejected('file-size', `${oversized.path} is ${oversized.size} bytes, over the limit of ${limits.maxChangelogBytes}`));
}

/** Decodes and parses a file that may be the changelog: the part every source (archive, link, repository) shares. */
export function parseChosen(
  content: Buffer,
  fileName: string,
  sourceUrl: string | null,
  params: { knownVersions: readonly string[]; limits: TextLimits },
  withRaw: boolean,
): ParsedText {
  const decoded = decodeText(content, { maxLineLength: params.limits.maxLineLength });
  if ('error' in decoded) return noBytes(rejected('malformed', `${fileName}: ${decoded.message}`));
  // Loaded only when there is a changelog to parse: the renderer's start-up is half the cost of starting a child
  // (~20 ms), and most archives are rejected or have no changelog.
  const { parseChangelog } = require('../../../changelog/parse') as typeof Parse;
  const parsed = parseChangelog(decoded.text, {
    fileName,
    sourceUrl,
    knownVersions: params.knownVersions,
    maxEntries: params.limits.maxChangelogEntries,
  });
  const json = Buffer.from(JSON.stringify(parsed));
  const rawBytes = withRaw ? content.length : 0;
  const found: Found = { outcome: 'found', fileName, format: parsed.format, sourceUrl: parsed.sourceUrl, entryCount: parsed.entries.length, rawBytes };
  return new WithBytes(found, withRaw ? Buffer.concat([content, json]) : json);
}

function noBytes<T>(value: T): WithBytes<T> {
  return new WithBytes(value, Buffer.alloc(0));
}

function rejected(reason: ArchiveRejectedError['reason'], message: string): Rejected {
  return { outcome: 'rejected', reason, message };
}
