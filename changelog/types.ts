// The result of parsing one changelog file. Versioned: bump SCHEMA_VERSION on any breaking change and
// describe it in changelog/SCHEMA.md.
export const SCHEMA_VERSION = 1;

export type ChangelogFormat = 'markdown' | 'rst' | 'text';

export type SectionKind =
  | 'added'
  | 'changed'
  | 'deprecated'
  | 'removed'
  | 'fixed'
  | 'security'
  | 'breaking'
  | 'other';

export interface ChangelogSection {
  kind: SectionKind;
  /** The section heading as written, e.g. "Bug Fixes". */
  title: string;
}

export interface ChangelogEntry {
  /** The version exactly as released (no leading "v"); null for an "Unreleased" entry. */
  version: string | null;
  /** ISO `YYYY-MM-DD`, or null when the file gives no date. */
  date: string | null;
  /** The heading text, without anchors, compare links or markup. */
  title: string;
  /** The entry's markdown (or source text) below its heading. */
  body: string;
  /** Sanitized HTML of the body; null when rendering was not asked for. */
  html: string | null;
  sections: ChangelogSection[];
  unreleased: boolean;
  yanked: boolean;
  prerelease: boolean;
}

export interface ParsedChangelog {
  schemaVersion: typeof SCHEMA_VERSION;
  fileName: string;
  sourceUrl: string | null;
  format: ChangelogFormat;
  entries: ChangelogEntry[];
}

export interface ParseOptions {
  /** The file's name (used to detect the format from its extension). */
  fileName: string;
  /** Where the file came from; relative links and images in the HTML resolve against it. */
  sourceUrl?: string | null;
  /** The registry's versions of the package, when known: used to confirm and disambiguate entries. */
  knownVersions?: readonly string[];
  /** Render each entry's HTML (default true). */
  html?: boolean;
  /** Stop after this many entries (default 10,000). */
  maxEntries?: number;
}

/** A file the changelog finder may choose from. */
export interface CandidateFile {
  /** Path relative to the package root, `/`-separated. */
  path: string;
  size: number;
}
