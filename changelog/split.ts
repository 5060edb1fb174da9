import type { HeadingLine } from './headings';

/** One release entry's place in the file: its heading and the lines of its body. */
export interface EntrySpan {
  heading: HeadingLine;
  /** Body lines `[start, end)`. */
  start: number;
  end: number;
}

/**
 * Decides which headings start entries. Every real heading (on any level) that announces a version does,
 * so conventional-changelog's minor-on-H1, patch-on-H2 files split correctly. Bold lines, plain version
 * lines and list items only count when the file has no versioned real headings, as files that use them
 * use them throughout. With a registry version list, heading styles none of whose versions are known are
 * dropped when other styles do match.
 */
function entryStyles(headings: readonly HeadingLine[], known: ReadonlySet<string> | null): Set<string> {
  const counts = new Map<string, { total: number; known: number; strength: number; named: number; level: number }>();
  let unnamedLevel = Infinity;
  for (const h of headings) {
    if (!h.info.version) continue;
    const c = counts.get(h.style) ?? { total: 0, known: 0, strength: h.strength, named: 0, level: h.level };
    c.total++;
    if (known?.has(h.info.version)) c.known++;
    if (h.info.namesPackage) c.named++;
    else if (h.strength === 3) unnamedLevel = Math.min(unnamedLevel, h.level);
    counts.set(h.style, c);
  }
  // Under release headings, headings that name other packages (`### @scope/pkg@1.2.3`) are sections.
  const styles = [...counts.entries()].filter(([, c]) => !(c.strength === 3 && c.named === c.total && c.level > unnamedLevel));
  const anyKnown = styles.some(([, c]) => c.known > 0);
  const usable = styles.filter(([, c]) => (anyKnown ? c.known > 0 : c.strength > 1 || c.total > 1));
  const strongest = Math.max(...usable.map(([, c]) => c.strength));
  return new Set(usable.filter(([, c]) => c.strength === strongest).map(([s]) => s));
}

/** The release entries of a file, in document order, with the lines each body spans. */
export function splitEntries(
  headings: readonly HeadingLine[],
  lineCount: number,
  maxEntries: number,
  known: ReadonlySet<string> | null,
): EntrySpan[] {
  const styles = entryStyles(headings, known);
  if (styles.size === 0) return [];
  let entryLevel = Infinity;
  for (const h of headings) if (h.info.version && styles.has(h.style)) entryLevel = Math.min(entryLevel, h.level);
  // With a registry list, a heading naming a package at a version that package never had names another one.
  const otherPackage = (h: HeadingLine) => known !== null && h.info.namesPackage && !known.has(h.info.version ?? '');
  const isEntry = (h: HeadingLine) =>
    h.info.version
      ? styles.has(h.style) && !otherPackage(h)
      : h.info.unreleased && h.strength === 3 && (styles.has(h.style) || h.level <= entryLevel);

  const out: EntrySpan[] = [];
  let open: EntrySpan | null = null;
  for (const h of headings) {
    if (isEntry(h)) {
      if (open) open.end = h.line;
      if (out.length >= maxEntries) break;
      open = { heading: h, start: h.bodyLine, end: lineCount };
      out.push(open);
    } else if (open && h.strength === 3 && h.line >= open.start) {
      // A heading that starts no entry ends the open one when it sits at the entry's level or above (a
      // "## Contributors" after the releases); deeper ones are the entry's sections. Weak entries carry the
      // level of the heading around them, so only a heading at that level or above ends them.
      if (h.level <= open.heading.level) {
        open.end = h.line;
        open = null;
      }
    }
  }
  return mergeRepeatedHeadings(out);
}

/**
 * Two headings for one version in a row, with at most a blank line or an anchor between them (an anchor
 * heading, then the real one), make one entry.
 */
function mergeRepeatedHeadings(entries: EntrySpan[]): EntrySpan[] {
  const out: EntrySpan[] = [];
  for (const e of entries) {
    const prev = out[out.length - 1];
    if (prev && prev.heading.info.version && prev.heading.info.version === e.heading.info.version && prev.end - prev.start <= 2 && prev.end === e.heading.line) {
      const date = e.heading.info.date ?? prev.heading.info.date;
      out[out.length - 1] = { ...e, heading: { ...e.heading, info: { ...e.heading.info, date } } };
    } else out.push(e);
  }
  return out;
}
