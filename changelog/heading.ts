import { findDate, type DayMonthOrder } from './dates';
import { findVersionTokens, normalizeVersion } from './versions';

/** What a heading line says about a release. */
export interface HeadingInfo {
  /** The heading without links, anchors and markup. */
  title: string;
  version: string | null;
  /** The heading names a package before the version (`@scope/pkg@1.2.3`, `pkg-v1.2.3`). */
  namesPackage: boolean;
  date: string | null;
  unreleased: boolean;
  yanked: boolean;
}

/** Placeholder for a heading line not read yet (weak kinds are read only when needed). */
export const UNREAD: HeadingInfo = Object.freeze({ title: '', version: null, namesPackage: false, date: null, unreleased: false, yanked: false });

/** Headings longer than this are prose, not release headings; capping also keeps every regex cheap. */
export const MAX_HEADING_CHARS = 300;

/** Heading text as a reader sees it: link targets, anchors, images and emphasis markers removed. */
export function cleanHeading(raw: string): string {
  let s = raw.length > MAX_HEADING_CHARS ? raw.slice(0, MAX_HEADING_CHARS) : raw;
  // Each rewrite runs only when its marker character is present: most headings have none of them.
  if (s.includes('`')) s = s.replace(/`([^`<]{0,200})<[^>`]{0,300}>`_{1,2}/g, '$1');
  if (s.includes('<')) s = s.replace(/<\/?[a-zA-Z][^<>]{0,200}>/g, '');
  if (s.includes('[')) {
    // Inner classes exclude the opening characters too, so `[[[[…` fails at once instead of rescanning.
    s = s
      .replace(/!\[[^\][]{0,200}\]\([^()\s]{0,300}\)/g, '')
      .replace(/\[([^\][]{0,200})\]\([^()\s]{0,300}\)/g, '$1')
      .replace(/\[([^\][]{0,200})\]\[[^\][]{0,200}\]/g, '$1');
  }
  if (/[[\]`*_~]/.test(s)) s = s.replace(/[[\]`]|\*\*|__|~~/g, '');
  if (s.includes('#')) s = withoutClosingHashes(s);
  return /\s\s|[^\S ]/.test(s) ? s.replace(/\s+/g, ' ').trim() : s.trim();
}

/** `## 1.2.0 ##` → `## 1.2.0`: a trailing run of `#` preceded by a space closes an ATX heading. */
function withoutClosingHashes(s: string): string {
  let end = s.trimEnd().length;
  const hashesEnd = end;
  while (end > 0 && s[end - 1] === '#') end--;
  return end < hashesEnd && end > 0 && /\s/.test(s[end - 1]!) ? s.slice(0, end) : s;
}

// Words that may stand before a version in a release heading ("Release 1.2.0", "What's new in 1.2").
const LEAD_WORDS = new Set([
  'version', 'versions', 'release', 'released', 'releases', 'rel', 'ver', 'v', 'changes', 'changelog', 'change',
  'log', 'in', 'for', "what's", 'whats', 'new', 'notes', 'note', 'the', 'of', 'tag', 'tagged', 'stable', 'lts',
  'hotfix', 'patch', 'minor', 'major', 'unreleased', 'upcoming', 'next', 'latest', 'current', 'prerelease',
  'pre-release', 'beta', 'alpha', 'rc', 'candidate', 'preview', 'security', 'bugfix', 'feature', 'maintenance',
]);
// Words that turn a version into a reference ("Upgrading to 2.0", "Node 12.0 support").
const NOT_RELEASE_WORDS = new Set([
  'to', 'from', 'than', 'since', 'until', 'till', 'before', 'after', 'upgrading', 'upgrade', 'migrating',
  'migrate', 'migration', 'node', 'nodejs', 'node.js', 'npm', 'yarn', 'python', 'ruby', 'rails', 'typescript',
  'ts', 'react', 'vue', 'angular', 'eslint', 'webpack', 'babel', 'requires', 'require', 'required', 'support',
  'supports', 'drop', 'dropped', 'with', 'on', 'at', 'by', 'about', 'and', 'or', 'is', 'was', 'as',
  'breaking', 'compatible', 'compatibility', 'above', 'below', 'prior', 'older', 'newer', 'up', 'using',
  'bump', 'bumped', 'bumps', 'updated', 'update', 'deprecated', 'removed', 'ios', 'android', 'chrome', 'java',
]);

const UNRELEASED_HEADING =
  /^(unreleased|upcoming|unpublished|next|vnext|master|main|head|current|development|in development|in progress|work in progress|wip|tbd|tba|not yet released)\b/i;
const UNRELEASED_MARK = /\b(unreleased|upcoming|not yet released|in development|work in progress|tbd|tba)\b/i;
const YANKED_MARK = /\b(yanked|unpublished|retracted)\b/i;

/** Whether the words before a version leave it the subject of the heading. */
function leadsHeading(prefix: string, lenient: boolean): boolean {
  if (prefix.length > 60) return false;
  let free = 0;
  for (const raw of prefix.toLowerCase().split(/\s+/)) {
    const word = raw.replace(/^[^\w@']+|[^\w']+$/g, '');
    if (!word || /^[\d./-]+$/.test(word)) continue;
    if (NOT_RELEASE_WORDS.has(word)) return false;
    if (!LEAD_WORDS.has(word)) free++;
  }
  return lenient || free <= 2;
}

/** Reads a heading: which version it announces (if any), its date and its flags. */
export function readHeading(raw: string, known: ReadonlySet<string> | null, order: DayMonthOrder): HeadingInfo {
  const title = cleanHeading(raw);
  const tokens = findVersionTokens(title);
  let chosen = null;
  if (known) chosen = tokens.find((t) => known.has(t.version) && leadsHeading(title.slice(0, t.index), true));
  chosen ??= tokens.find((t) => leadsHeading(title.slice(0, t.index), false));
  const dateText = chosen ? title.slice(0, chosen.index) + ' ' + title.slice(chosen.end) : title;
  const version = chosen ? normalizeVersion(chosen.version) : null;
  return {
    title,
    version,
    namesPackage: chosen ? /[@/]|\w-v?$/.test(title.slice(0, chosen.index).trim()) : false,
    date: findDate(dateText, order),
    unreleased: version ? UNRELEASED_MARK.test(title) : title.length <= 60 && UNRELEASED_HEADING.test(title),
    yanked: YANKED_MARK.test(title),
  };
}
