// Parsing untrusted changelog bytes in a sandbox, and storing what it found by content hash, so that only hashes
// travel on through the workflow.
import type { Readable } from 'node:stream';
import type { Pool } from 'pg';
import type { Config } from '../../infra/config';
import { storeBlob } from '../../eventStore/blobs';
import { whileDatabaseDown } from '../../eventStore/whileDatabaseDown';
import type { ArchiveKind } from '../sandbox/child/archive/types';
import { ArchiveRejectedError } from '../sandbox/child/archive/types';
import { changelogBytes, type CrawlArchiveResult, type ParsedText, runSandboxed, type SandboxOptions } from '../sandbox';
import type { ChangelogRef } from '../../workflows/types';

/** What a crawl step passes down to its sandboxes and its database writes. */
export interface StepContext {
  config: Config;
  pool: Pool;
  signal: AbortSignal | undefined;
  /** Called while the step waits (for the sandbox, for the database), so a heartbeat can say it is alive. */
  onWait: (() => void) | undefined;
  /** The step's attempt: a retry runs its sandboxes in fresh children, whose verdict then stands. */
  attempt: number;
}

function sandboxOptions({ config, signal, onWait, attempt }: StepContext): SandboxOptions {
  return {
    ...config.sandbox,
    freshChild: attempt > 1,
    ...(signal && { signal }),
    ...(onWait && { onProgress: () => onWait() }),
  };
}

/** Stores a found changelog's raw file and parsed JSON (as the sandbox wrote it: never parsed here). */
async function store(context: StepContext, found: { fileName: string; foundIn: string; sourceUrl: string | null; format: string; entryCount: number; raw: Buffer; parsedJson: Buffer }): Promise<ChangelogRef> {
  const waiting = { ...(context.onWait && { onWait: context.onWait }), ...(context.signal && { signal: context.signal }) };
  const rawSha256 = await whileDatabaseDown(() => storeBlob(context.pool, found.raw, 'text/plain'), waiting);
  const parsedSha256 = await whileDatabaseDown(() => storeBlob(context.pool, found.parsedJson, 'application/json'), waiting);
  return { fileName: found.fileName, foundIn: found.foundIn, sourceUrl: found.sourceUrl, format: found.format, rawSha256, parsedSha256, entryCount: found.entryCount };
}

/** `sent`: the file given to the sandbox, for a file parsed on its own; an archive's changelog comes back with its own. */
async function accept(context: StepContext, result: CrawlArchiveResult | ParsedText, foundIn: (fileName: string) => string, sent?: Buffer): Promise<ChangelogRef | null> {
  const { value } = result;
  if (value.outcome === 'rejected') throw new ArchiveRejectedError(value.message, value.reason);
  if (value.outcome !== 'found') return null;
  const { raw, parsedJson } = changelogBytes(value, result.bytes);
  return store(context, { ...value, foundIn: foundIn(value.fileName), raw: sent ?? raw, parsedJson });
}

/** Finds, parses and stores the changelog in a package archive streaming in. */
export async function parseArchive(
  context: StepContext,
  archive: { kind: ArchiveKind; bytes: Readable },
  release: { knownVersions: string[]; sourceUrlBase: string | null },
): Promise<ChangelogRef | null> {
  const { limits } = context.config;
  const { value } = await runSandboxed(
    'crawlArchive',
    {
      params: {
        kind: archive.kind,
        limits,
        knownVersions: release.knownVersions,
        sourceUrlBase: release.sourceUrlBase,
      },
      bytes: archive.bytes,
    },
    sandboxOptions(context),
  );
  return accept(context, value, (fileName) => `archive:${fileName}`);
}

/** Parses and stores a changelog that came as a file (a declared link, the repository, release notes). */
export async function parseFile(
  context: StepContext,
  file: { content: Buffer; fileName: string; foundIn: string; sourceUrl: string | null },
  knownVersions: string[],
): Promise<ChangelogRef | null> {
  const { limits } = context.config;
  const { value } = await runSandboxed(
    'parseText',
    {
      params: { fileName: file.fileName, sourceUrl: file.sourceUrl, knownVersions, limits },
      bytes: file.content,
    },
    sandboxOptions(context),
  );
  return accept(context, value, () => file.foundIn, file.content);
}
