import type { ChangelogFormat } from './types';
import { MAX_HEADING_CHARS, UNREAD, type HeadingInfo } from './heading';

/**
 * A line that may open a release entry. `strength` orders the kinds: real headings (ATX, setext,
 * reStructuredText adornments) beat bold lines, which beat plain version lines, which beat list items.
 */
export interface HeadingLine {
  /** First line of the heading (the overline, when there is one). */
  line: number;
  /** First line after the heading (after its underline). */
  bodyLine: number;
  /** Groups headings written the same way, e.g. `atx2`, `setext1`, `rstu-` (underline only), `rsto=` (with overline) or `bold`. */
  style: string;
  strength: 0 | 1 | 2 | 3;
  /** Nesting depth among real headings (1 is outermost); for weaker kinds, that of the enclosing heading. */
  level: number;
  text: string;
  /** What the heading says; `UNREAD` until the parser reads it. */
  info: HeadingInfo;
}

const ATX = /^ {0,3}(#{1,6})(?=[ \t\u00a0]|$|v?\d)[ \t\u00a0]*(.*)$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-{2,})[ \t]*$/;
// One punctuation character repeated: reStructuredText's section adornment.
const ADORNMENT = /^([!-/:-@[-`{-~])\1{2,}[ \t]*$/;
const PUNCTUATION = /^ {0,3}[!-/:-@[-`{-~]/;
const HASH = 0x23;
const SPACE = 0x20;
const TAB = 0x09;
const STAR = 0x2a;
const UNDERSCORE = 0x5f;
const BACKTICK = 0x60;
const TILDE = 0x7e;
const DASH = 0x2d;
const PLUS = 0x2b;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const BLOCK_START = /^ {0,3}(?:[-*+>|]|\d{1,9}[.)])(?:[ \t]|$)/;
const BOLD = /^ {0,3}(?:\*\*|__)(?=\S)/;
const LIST_VERSION = /^ ?(?:[-*+]|\d{1,4}[.)])[ \t]+(?:\*\*|__|\[)?(?:version |release )?v?\d+\.\d/i;
const PLAIN_VERSION = /^(?:(?:version|release|v)[ \t]?)?v?\d+\.\d/i;

/** Every line that could be a release heading, in document order. Lines inside code fences are skipped. */
export function scanHeadingLines(lines: readonly string[], format: ChangelogFormat): HeadingLine[] {
  const found: HeadingLine[] = [];
  const adornmentRanks = new Map<string, number>();
  let fence: string | null = null;
  let level = 0;
  const push = (h: Omit<HeadingLine, 'level' | 'info'> & { level?: number }) => {
    if (h.strength === 3) level = h.level ?? level;
    found.push({ line: h.line, bodyLine: h.bodyLine, style: h.style, strength: h.strength, level: h.level ?? level, text: h.text, info: UNREAD });
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    // Cheap dispatch on the first characters: most lines are list items or prose and match nothing.
    let indent = 0;
    while (line.charCodeAt(indent) === SPACE || line.charCodeAt(indent) === TAB) indent++;
    const first = line.charCodeAt(indent);
    const fenceMatch = indent <= 3 && (first === BACKTICK || first === TILDE) && line.length < 200 ? FENCE.exec(line) : null;
    if (fence !== null) {
      if (fenceMatch && fenceMatch[1]?.[0] === fence[0] && (fenceMatch[1]?.length ?? 0) >= fence.length) fence = null;
      continue;
    }
    if (fenceMatch && format !== 'rst') {
      fence = fenceMatch[1] ?? '```';
      continue;
    }
    if (line.length > MAX_HEADING_CHARS || indent === line.length) continue;
    const next = lines[i + 1] ?? '';

    const atx = first === HASH && format !== 'rst' && !ADORNMENT.test(line) ? ATX.exec(line) : null;
    if (atx) {
      push({ line: i, bodyLine: i + 1, style: `atx${atx[1]?.length}`, strength: 3, level: atx[1]?.length ?? 1, text: atx[2] ?? '' });
      continue;
    }
    const underlined = next.length > 0 && next.length <= MAX_HEADING_CHARS && PUNCTUATION.test(next);
    if (underlined && format === 'markdown') {
      const underline = SETEXT_UNDERLINE.exec(next);
      if (underline && !BLOCK_START.test(line) && !/^ {4}/.test(line)) {
        const depth = underline[1]?.[0] === '=' ? 1 : 2;
        push({ line: i, bodyLine: i + 2, style: `setext${depth}`, strength: 3, level: depth, text: line });
        i++;
        continue;
      }
    } else if (underlined && !ADORNMENT.test(line) && !/^\s/.test(line)) {
      const under = ADORNMENT.exec(next);
      if (under) {
        const char = under[1] ?? '=';
        const over = i > 0 && (lines[i - 1] ?? '').trimEnd() === next.trimEnd();
        const style = `rst${over ? 'o' : 'u'}${char}`;
        if (!adornmentRanks.has(style)) adornmentRanks.set(style, adornmentRanks.size + 1);
        push({ line: over ? i - 1 : i, bodyLine: i + 2, style, strength: 3, level: adornmentRanks.get(style) ?? 1, text: line });
        i++;
        continue;
      }
    }
    if ((first === STAR || first === UNDERSCORE) && BOLD.test(line)) {
      push({ line: i, bodyLine: i + 1, style: 'bold', strength: 2, text: line });
      continue;
    }
    // List-item and plain version lines start at the margin, with a list marker, a digit or a "v"/"version"/
    // "release" word, and hold a digit.
    const lower = first | 0x20;
    const marker = first === DASH || first === STAR || first === PLUS || (first >= DIGIT_0 && first <= DIGIT_9) || lower === 0x76 || lower === 0x72;
    if (indent > 1 || !marker || !/\d/.test(line)) continue;
    if (LIST_VERSION.test(line)) {
      push({ line: i, bodyLine: i + 1, style: 'list', strength: 0, text: line.replace(/^ ?(?:[-*+]|\d{1,4}[.)])[ \t]+/, '') });
    } else if (PLAIN_VERSION.test(line) && (i === 0 || (lines[i - 1] ?? '').trim() === '')) {
      push({ line: i, bodyLine: i + 1, style: 'plain', strength: 1, text: line });
    }
  }
  return found;
}
