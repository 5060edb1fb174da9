import { bodyRange, dateUnderHeading, sectionsOf } from './body';
import { dayMonthOrder, type DayMonthOrder } from './dates';
import { detectFormat } from './format';
import { readHeading } from './heading';
import { ParserFault } from './ParserFault';
import { scanHeadingLines, type HeadingLine } from './headings';
import { renderBodies } from './render';
import { splitEntries } from './split';
import { SCHEMA_VERSION, type ChangelogEntry, type ParseOptions, type ParsedChangelog } from './types';
import { isPrerelease, normalizeVersion } from './versions';

const DEFAULT_MAX_ENTRIES = 10_000;

/**
 * Parses a changelog into release entries. Any text has a parse: input that is not a changelog, or not text,
 * gives an empty entry list. Throws only a ParserFault, which is a bug in this parser.
 */
export function parseChangelog(text: string, options: ParseOptions): ParsedChangelog {
  const fileName = String(options?.fileName ?? '');
  const sourceUrl = options?.sourceUrl ?? null;
  const source = typeof text === 'string' ? text.replace(/^\uFEFF/, '') : '';
  try {
    const format = detectFormat(fileName, source);
    return { schemaVersion: SCHEMA_VERSION, fileName, sourceUrl, format, entries: parseEntries(source, format, options ?? {}) };
  } catch (err) {
    throw new ParserFault(fileName, err);
  }
}

function parseEntries(raw: string, format: ParsedChangelog['format'], options: ParseOptions): ChangelogEntry[] {
  const text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  const lines = text.split('\n');
  const known = options.knownVersions?.length ? new Set(options.knownVersions.map((v) => normalizeVersion(String(v)))) : null;
  const scanned = scanHeadingLines(lines, format);
  const order = dayMonthOrder(scanned.map((h) => h.text));
  const headings = readHeadings(scanned, known, order);
  const maxEntries = Math.max(0, options.maxEntries ?? DEFAULT_MAX_ENTRIES);
  const spans = splitEntries(headings, lines.length, maxEntries, known);
  const offsets = lineOffsets(lines);

  let next = 0;
  const entries = spans.map(({ heading, start, end }) => {
    const [from, to] = bodyRange(lines, start, end);
    while (next < headings.length && (headings[next]?.line ?? 0) < from) next++;
    const range = { start: offsets[from]!, end: to > from ? offsets[to]! - 1 : offsets[from]! };
    const { info } = heading;
    const entry: ChangelogEntry = {
      version: info.version,
      date: info.date ?? dateUnderHeading(lines, from, to, order),
      title: info.title,
      body: text.slice(range.start, range.end),
      html: null,
      sections: sectionsOf(lines, from, to, headings.slice(next, upperBound(headings, to, next))),
      unreleased: info.unreleased || info.version === null,
      yanked: info.yanked,
      prerelease: info.version !== null && isPrerelease(info.version),
    };
    return { entry, range };
  });
  if (options.html ?? true) {
    const html = renderBodies(text, entries.map((e) => e.range), format, options.sourceUrl ?? null);
    entries.forEach((e, i) => (e.entry.html = html[i]!));
  }
  return entries.map((e) => e.entry);
}

/**
 * Reads real headings, and the weaker kinds (bold, plain and list lines) only when no real heading carries a
 * version: they cannot start entries otherwise, and files have many of them.
 */
function readHeadings(headings: HeadingLine[], known: ReadonlySet<string> | null, order: DayMonthOrder): HeadingLine[] {
  let versioned = false;
  for (const h of headings) {
    if (h.strength !== 3) continue;
    h.info = readHeading(h.text, known, order);
    versioned ||= h.info.version !== null;
  }
  if (!versioned) for (const h of headings) if (h.strength !== 3) h.info = readHeading(h.text, known, order);
  return headings;
}

/** Offset of each line's first character in the text. */
function lineOffsets(lines: readonly string[]): number[] {
  const offsets = new Array<number>(lines.length + 1);
  let at = 0;
  for (let i = 0; i < lines.length; i++) {
    offsets[i] = at;
    at += lines[i]!.length + 1;
  }
  offsets[lines.length] = at;
  return offsets;
}

/** Index of the first heading at or after line `line`, searching from `from`. */
function upperBound(headings: readonly HeadingLine[], line: number, from: number): number {
  let k = from;
  while (k < headings.length && headings[k]!.line < line) k++;
  return k;
}
