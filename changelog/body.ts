import { findDate, type DayMonthOrder } from './dates';
import { cleanHeading } from './heading';
import type { HeadingLine } from './headings';
import { sectionKind } from './sections';
import type { ChangelogSection } from './types';

// Lines that belong to the next heading or to the file's link list, not to the entry above them:
// `<a name="1.2.0"></a>` anchors, `.. _label:` targets, link reference definitions, rules.
const TRAILING_NOISE = /^(?:<a\s[^<>]{0,200}>\s*<\/a>|\.\. _[^:]{1,200}:.*|\[[^\]]{1,200}\]:\s*\S.*|[-*_=](?:\s*[-*_=]){2,}|<!--.*-->)?$/;
const BOLD_TITLE = /^ {0,3}(?:\*\*|__)([^*_]{1,60}?):?(?:\*\*|__):?\s*$/;
const COLON_TITLE = /^ {0,3}([A-Z][A-Za-z '&/,-]{1,50}):\s*$/;
const LIST_MARK = /^\s*(?:[-*+]|\d{1,9}[.)])\s/;

/** The entry's body lines with surrounding blank lines and the next entry's anchors cut off. */
export function bodyRange(lines: readonly string[], start: number, end: number): [number, number] {
  let s = start;
  let e = end;
  while (s < e && (lines[s] ?? '').trim() === '') s++;
  while (e > s && (lines[e - 1] ?? '').length < 400 && TRAILING_NOISE.test((lines[e - 1] ?? '').trim())) e--;
  return [s, e];
}

// A line that says when the release happened and goes on about something else: "Published to npm: 2021-04-17
// 16:41 UTC by @someone as `pkg`". The date must follow the label at once.
const DATE_LABEL = /^[\s>*_]*(?:released?|published|release date|date)\b[^\d\n]{0,24}?[\s:]\W*(?=\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s)/i;

/**
 * A date on the first line under a heading: standing alone (`> 2024-01-31`, `_Released Jan 31, 2024_`), or
 * right after a "Released"/"Published"/"Date" label in a longer line.
 */
export function dateUnderHeading(lines: readonly string[], start: number, end: number, order: DayMonthOrder): string | null {
  const first = lines[start] ?? '';
  if (start >= end || first.length > 100 || LIST_MARK.test(first)) return null;
  const words = first.replace(/[>*_()[\]`:]|\b(?:released?|release date|date|on)\b/gi, ' ').trim();
  if (words.length <= 40) return findDate(words, order);
  const label = DATE_LABEL.exec(first);
  return label ? findDate(first.slice(label[0].length, label[0].length + 30), order) : null;
}

/**
 * The entry's sections: its sub-headings, plus bold-only lines and "Title:" paragraphs whose title names a
 * known kind (RST and plain files often mark sections that way).
 */
export function sectionsOf(
  lines: readonly string[],
  start: number,
  end: number,
  subHeadings: readonly HeadingLine[],
): ChangelogSection[] {
  const sections: ChangelogSection[] = [];
  let h = 0;
  for (let i = start; i < end; i++) {
    while (h < subHeadings.length && subHeadings[h]!.line < i) h++;
    const heading = subHeadings[h];
    if (heading?.line === i && heading.strength === 3) {
      const title = heading.info.title || cleanHeading(heading.text);
      if (title) sections.push({ kind: sectionKind(title) ?? 'other', title });
      i = Math.max(i, heading.bodyLine - 1);
      continue;
    }
    const line = lines[i] ?? '';
    if (line.length > 80 || !(line.trimEnd().endsWith(':') || /^ {0,3}(?:\*\*|__)/.test(line))) continue;
    const m = BOLD_TITLE.exec(line) ?? COLON_TITLE.exec(line);
    const title = m?.[1]?.trim();
    const kind = title ? sectionKind(title) : null;
    if (title && kind) sections.push({ kind, title });
  }
  return sections;
}
