import type { CandidateFile } from './types';

// Earlier names win. Spelling variants (`CHANGE_LOG`, `change-log`, `release-notes`) fold onto these.
const NAMES = ['changelog', 'changes', 'history', 'news', 'releases', 'releasenotes', 'whatsnew', 'updates'];
// Markdown first, then reStructuredText, then plain text.
const EXTENSIONS: Record<string, number> = { md: 0, markdown: 0, mkd: 0, rst: 1, '': 2, txt: 2, adoc: 2 };

const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;

/** Name rank and format rank of a root file that is a changelog, or null. */
function rank(path: string): [number, number] | null {
  const name = path.replace(/^\.\//, '');
  if (name.includes('/') || name.includes('\\')) return null;
  const dot = name.indexOf('.');
  const stem = (dot < 0 ? name : name.slice(0, dot)).toLowerCase().replace(/[-_]/g, '');
  const extension = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  const nameRank = NAMES.indexOf(stem);
  const formatRank = EXTENSIONS[extension];
  if (nameRank < 0 || formatRank === undefined || dot === 0) return null;
  return [nameRank, formatRank];
}

/** Whether a package-root path is named like a changelog (`CHANGELOG.md`, `History`, `NEWS.rst`…). */
export function isChangelogName(path: string): boolean {
  return rank(path) !== null;
}

/**
 * The root files named like a changelog, best first: the earliest name in the list, then markdown over
 * reStructuredText over text. Files too large to parse are left out; size says nothing else: whether a file is
 * the package's changelog is for its content to say (an 83-byte file can hold two releases).
 */
export function changelogCandidates<T extends CandidateFile>(files: readonly T[], options: { maxBytes?: number } = {}): T[] {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const ranked: { file: T; key: number }[] = [];
  for (const file of files) {
    const r = rank(file.path);
    if (r && file.size <= maxBytes) ranked.push({ file, key: r[0] * 10 + r[1] });
  }
  // Stable: files of equal rank keep the caller's order.
  return ranked.sort((a, b) => a.key - b.key).map((r) => r.file);
}

/** The best candidate by name alone, for a caller that cannot read the files before choosing. */
export function chooseChangelog<T extends CandidateFile>(files: readonly T[], options: { maxBytes?: number } = {}): T | null {
  return changelogCandidates(files, options)[0] ?? null;
}
