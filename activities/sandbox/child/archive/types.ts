import type { Readable } from 'node:stream';
import type { Limits } from '../../../../infra/config';

/**
 * The configuration's limits an archive is read within, under their names there: `maxArchiveBytes` read from the
 * (compressed) input, `maxUnpackedBytes` produced by decompression (all entries together), `maxArchiveEntries`
 * (files, folders, links…), and `maxChangelogBytes` of one wanted file before it is refused.
 */
export type ArchiveLimits = Pick<Limits, 'maxArchiveBytes' | 'maxUnpackedBytes' | 'maxArchiveEntries' | 'maxChangelogBytes'>;

/** npm tarball (`package/…`), RubyGems `.gem` (plain tar holding `data.tar.gz`), PyPI sdist (`<name>-<version>/…`). */
export type ArchiveKind = 'npm' | 'gem' | 'sdist';

export interface RootFile {
  /** Path relative to the package root, e.g. `CHANGELOG.md`. */
  path: string;
  size: number;
  content: Buffer;
  /**
   * Set when the file was wanted but its size exceeds `maxChangelogBytes`: its content is left empty so one huge
   * changelog does not fail the whole read; the caller decides whether another candidate will do.
   */
  oversized?: boolean;
}

export interface ReadRootFilesOptions {
  kind: ArchiveKind;
  limits: ArchiveLimits;
  /** Decides, from a root file's name and size, whether its content is wanted. Others are skipped unread. */
  wanted: (path: string, size: number) => boolean;
}

export interface RootFiles {
  /** The folder the archive's files live under (`package`, `<name>-<version>`, or '' for a `.gem`). */
  root: string;
  /** Every regular file directly in the root, wanted or not (content empty when not wanted). */
  files: RootFile[];
}

/** Thrown when an archive breaks a limit or is not an archive of the expected kind. */
export class ArchiveRejectedError extends Error {
  constructor(
    message: string,
    readonly reason: 'compressed-size' | 'decompressed-size' | 'entry-count' | 'file-size' | 'malformed',
  ) {
    super(message);
    this.name = 'ArchiveRejectedError';
  }
}

export type ReadRootFiles = (input: Readable, options: ReadRootFilesOptions) => Promise<RootFiles>;
