import { getDefaults, Lexer, Parser, Renderer, type MarkedOptions, type Token, type Tokens } from 'marked';
import type { IOptions } from 'sanitize-html';
import { escapeHtml, escapeMarkdownText, isDroppedTag, sanitizeEntry, sanitizerFor } from './html';
import { linkDefinitions, withDefinitions } from './references';
import { safeUrl } from './urls';
import type { ChangelogFormat } from './types';

/** Bodies larger than this are shown as preformatted text: marked's cost on hostile input grows too fast. */
export const MAX_RENDER_CHARS = 200_000;
/** Lines longer than this are escaped rather than parsed (minified blobs, pasted logs). */
const MAX_RENDER_LINE = 10_000;
/** Deeper quote/list nesting than this adds nothing for a reader and costs marked recursion. */
const MAX_NESTING = 8;

/**
 * Tags of the elements whose content an HTML parser reads as raw text up to their closing tag. None is
 * allowed, so they would be shown as text anyway; written as text before the sanitizer parses the entry,
 * they cannot turn the rest of it into text (`- Fix <style> handling` followed by more items).
 */
const RAW_TEXT_TAG = /<(?=\/?(?:script|style|title|textarea|xmp)(?![\w-]))/gi;

/**
 * marked's HTML renderer, saying what the markdown means: link and image URLs are checked and resolved
 * against the file's location, task boxes are text, and text is always escaped — marked passes text after an
 * inline `<code>`, `<pre>`, `<kbd>` or `<script>` through as written, which would turn `<code> <img …` into a
 * tag instead of showing it. Raw HTML passes as written, except RAW_TEXT_TAG: the entry's whole HTML goes
 * through the sanitizer.
 */
class SafeRenderer extends Renderer {
  /** Whether raw HTML went into what was rendered since this was last cleared. */
  sawRawHtml = false;

  constructor(private readonly base: string | null) {
    super();
  }

  override html({ text, block }: Tokens.HTML | Tokens.Tag): string {
    // A tag in running text that the allowlist would drop anyway is text as written (`Observable<T>`, which
    // the sanitizer would show as `<t>`), and leaves nothing for it to do.
    if (!block && isDroppedTag(text)) return escapeHtml(text);
    this.sawRawHtml = true;
    return text.includes('<') ? text.replace(RAW_TEXT_TAG, '&lt;') : text;
  }

  override text(token: Tokens.Text | Tokens.Escape): string {
    return 'tokens' in token && token.tokens ? this.parser.parseInline(token.tokens) : escapeMarkdownText(token.text);
  }

  override link(token: Tokens.Link): string {
    const inner = token.tokens ? this.parser.parseInline(token.tokens) : escapeHtml(token.text);
    const href = safeUrl(token.href, this.base, 'link');
    if (href === null) return inner;
    const title = token.title ? ` title="${escapeHtml(token.title)}"` : '';
    return `<a href="${escapeHtml(href)}"${title} rel="nofollow noopener">${inner}</a>`;
  }

  override image(token: Tokens.Image): string {
    const src = safeUrl(token.href, this.base, 'image');
    const alt = escapeHtml(token.text);
    if (src === null) return alt;
    const title = token.title ? ` title="${escapeHtml(token.title)}"` : '';
    return `<img src="${escapeHtml(src)}" alt="${alt}"${title} loading="lazy">`;
  }

  override checkbox({ checked }: Tokens.Checkbox): string {
    return checked ? '[x] ' : '[ ] ';
  }
}

/** marked's and the sanitizer's options for one source URL, which both use to resolve relative URLs. */
interface Engine {
  base: string | null;
  renderer: SafeRenderer;
  options: MarkedOptions;
  sanitizer: IOptions;
}

let cached: Engine | null = null;
function engineFor(base: string | null): Engine {
  if (cached?.base !== base) {
    const renderer = new SafeRenderer(base);
    cached = { base, renderer, options: { ...getDefaults(), gfm: true, async: false, renderer }, sanitizer: sanitizerFor(base) };
  }
  return cached;
}

/** marked's HTML for some top-level tokens, and whether raw HTML from the file went into it. */
function markedHtml(tokens: Token[], engine: Engine): { html: string; raw: boolean } {
  engine.renderer.sawRawHtml = false;
  const html = Parser.parse(tokens, engine.options);
  return { html, raw: engine.renderer.sawRawHtml };
}

/**
 * An entry's HTML as it may reach a page. HTML that holds raw HTML from the file goes through the sanitizer
 * as a whole; the rest is the renderer's own, whose every text and attribute is escaped, and is well-formed
 * as marked writes it. The sanitizer costs more than marked itself (on the changelogs of this project's
 * dependencies, 110 ms against 76 ms for lexing and rendering them), and few entries hold raw HTML.
 */
function entryHtml({ html, raw }: { html: string; raw: boolean }, engine: Engine): string {
  return raw ? sanitizeEntry(html, engine.sanitizer) : html;
}

/** Inline delimiters per paragraph or list item beyond which marked's emphasis and link matching turns quadratic. */
const MAX_DELIMITERS = 400;
const SPACE = 0x20;
const TAB = 0x09;
const GT = 0x3e;
const BRACKET = 0x5b;
const DASH = 0x2d;
const STAR = 0x2a;
const PLUS = 0x2b;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const LIST_ITEM = /^\s{0,12}(?:[-*+]|\d{1,9}[.)])\s/;
// A link reference definition exactly as marked reads one. marked lexes it as a block of its own, never as
// inline text, so its brackets do not count towards a paragraph's delimiters.
const DEFINITION_LINE = /^ {0,3}\[(?!\s*\])[^[\]\\\n]{1,200}\]: *(?:<[^<>\\\n]*>|[^<\s]\S*)(?: +(?:"[^"\\\n]*"|'[^'\\\n]*'|\([^()\\\n]*\)))? *$/;

/** How a line bears on inline groups: it opens a new one (blank, list item), stands outside them (a definition), or continues one. */
type LineKind = 'blank' | 'item' | 'definition' | 'text';
/** What taming does to a line on its own: cut an over-long one, flatten deep quote nesting, or drop deep indentation. */
type LineFix = 'cut' | 'flatten' | 'dedent' | null;

const LEAD_SPACES = 33;
const DEEP_QUOTE = /^(?:\s*>){9}/;

/**
 * The one rule for a line, `markdown[start, end)`, given whether the line before it was blank or a definition.
 * Only the start of the line is looked at, except when its first character could begin a list item, a
 * definition or a quote; anything outside printable ASCII there gets the full look.
 */
function classifyLine(markdown: string, start: number, end: number, afterBreak: boolean): { kind: LineKind; fix: LineFix } {
  let at = start;
  while (markdown.charCodeAt(at) === SPACE) at++;
  const spaces = at - start;
  while (markdown.charCodeAt(at) === SPACE || markdown.charCodeAt(at) === TAB) at++;
  let kind: LineKind = 'text';
  let deepQuote = false;
  const c = markdown.charCodeAt(at);
  if (at >= end) kind = 'blank';
  else if (c <= SPACE || c > 0x7e || c === GT || c === BRACKET || c === DASH || c === STAR || c === PLUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
    const line = markdown.slice(start, end);
    if (line.trim() === '') kind = 'blank';
    // A definition right after a blank line or another definition is a block of its own, not inline text.
    else if (afterBreak && line.length < 2000 && line.includes(']:') && DEFINITION_LINE.test(line)) kind = 'definition';
    else {
      if (LIST_ITEM.test(line)) kind = 'item';
      deepQuote = DEEP_QUOTE.test(line);
    }
  }
  const fix = end - start > MAX_RENDER_LINE ? 'cut' : deepQuote ? 'flatten' : spaces >= LEAD_SPACES ? 'dedent' : null;
  return { kind, fix };
}

/**
 * Walks the lines of `markdown` with `classifyLine`, telling `onLine` each line that needs a fix and `onCrowded`
 * each inline group (a paragraph or list item, from a blank line or list item up to the next one; definitions
 * stand outside) with more than MAX_DELIMITERS delimiters, as a range of line numbers `[from, to)`. A callback
 * that returns true stops the walk, and `scanLines` returns true. Delimiters are counted only in groups long
 * enough to hold too many, and only in the part of a line that cutting keeps.
 */
function scanLines(
  markdown: string,
  onLine: (line: number, fix: Exclude<LineFix, null>) => boolean,
  onCrowded: (from: number, to: number) => boolean,
): boolean {
  let groupLine = 0;
  let groupStart = 0;
  let afterBreak = true;
  let line = 0;
  const crowded = (end: number) => end - groupStart > MAX_DELIMITERS && countGroupDelimiters(markdown, groupStart, end) > MAX_DELIMITERS;
  for (let at = 0; at <= markdown.length; line++) {
    let end = markdown.indexOf('\n', at);
    if (end < 0) end = markdown.length;
    const { kind, fix } = classifyLine(markdown, at, end, afterBreak);
    if (kind !== 'text') {
      if (crowded(at) && onCrowded(groupLine, line)) return true;
      groupLine = kind === 'definition' ? line + 1 : line;
      groupStart = kind === 'definition' ? end + 1 : at;
    }
    if (fix && kind !== 'definition' && onLine(line, fix)) return true;
    afterBreak = kind === 'blank' || kind === 'definition';
    at = end + 1;
  }
  return crowded(markdown.length) && onCrowded(groupLine, line);
}

/** Whether `tame` would change anything, found in one pass over the text without building anything. */
function needsTaming(markdown: string): boolean {
  return scanLines(markdown, () => true, () => true);
}

/**
 * Caps what marked sees, so that rendering time stays proportional to the input: over-long lines are shown
 * as escaped text, deep `>`/list nesting is flattened, and paragraphs or list items crowded with emphasis or
 * bracket characters are indented into a code block (shown as written, and lexed in linear time). Each list
 * item is lexed as its own inline run, so a long list of linked commits is not crowded.
 */
function tame(markdown: string): string {
  const fixes: { line: number; fix: Exclude<LineFix, null> }[] = [];
  const crowded: [number, number][] = [];
  scanLines(
    markdown,
    (line, fix) => {
      fixes.push({ line, fix });
      return false;
    },
    (from, to) => {
      crowded.push([from, to]);
      return false;
    },
  );
  if (fixes.length === 0 && crowded.length === 0) return markdown;
  const lines = markdown.split('\n');
  for (const { line, fix } of fixes) lines[line] = fixLine(lines[line]!, fix);
  for (const [from, to] of crowded) for (let k = from; k < to; k++) lines[k] = `    ${lines[k]}`;
  return lines.join('\n');
}

function fixLine(line: string, fix: Exclude<LineFix, null>): string {
  switch (fix) {
    case 'cut':
      return escapeHtml(line.slice(0, MAX_RENDER_LINE)).replace(/[\\`*_[\]()!#~|<>-]/g, '\\$&');
    case 'flatten':
      return line.replace(/^(?:\s*>)+/, '>'.repeat(MAX_NESTING));
    case 'dedent':
      return line.trimStart();
  }
}

function isDelimiter(c: number): boolean {
  return c === 0x2a || c === 0x5f || c === 0x7e || c === 0x60 || c === 0x5b || c === 0x5d;
}

/** Delimiters in the lines of `s[from, to)`, each line counted only as far as cutting keeps it. */
function countGroupDelimiters(s: string, from: number, to: number): number {
  let n = 0;
  for (let lineStart = from, i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0a) lineStart = i + 1;
    else if (i - lineStart < MAX_RENDER_LINE && isDelimiter(c)) n++;
  }
  return n;
}

/** reStructuredText links and literals in markdown spelling, so the shared renderer shows them. */
function rstToMarkdown(text: string): string {
  return text
    .replace(/`([^`<\n]{1,200}?)\s*<([^>`\s]{1,500})>`_{1,2}/g, '[$1]($2)')
    .replace(/``([^`\n]{1,500})``/g, '`$1`');
}

/** Safe HTML for one entry body. Never throws: anything marked cannot handle is shown escaped. */
export function renderBody(body: string, format: ChangelogFormat, sourceUrl: string | null): string {
  if (body.length > MAX_RENDER_CHARS) return `<pre>${escapeHtml(body.slice(0, MAX_RENDER_CHARS))}</pre>\n`;
  const engine = engineFor(sourceUrl);
  let rendered;
  try {
    rendered = markedHtml(Lexer.lex(tame(format === 'rst' ? rstToMarkdown(body) : body), engine.options), engine);
  } catch {
    return `<pre>${escapeHtml(body)}</pre>\n`;
  }
  return entryHtml(rendered, engine);
}

/** Where one entry's body lies in the file's text: `[start, end)`. */
export interface TextRange {
  start: number;
  end: number;
}

/** Files larger than this are rendered body by body, each body capped on its own. */
const MAX_DOCUMENT_CHARS = 5_000_000;

/**
 * Safe HTML for every entry body of a file, in order; each is what `renderBody` gives for that body with the
 * file's link definitions. A markdown file that needs no taming is lexed once as a whole, as marked would
 * lex it alone, and each body renders from the top-level blocks that lie inside it: this saves marked's
 * start-up per entry, and the definitions resolve as they do in the file. A body that some block straddles
 * (text running on from a heading into it) and other formats render body by body.
 */
export function renderBodies(
  text: string,
  bodies: readonly TextRange[],
  format: ChangelogFormat,
  sourceUrl: string | null,
): string[] {
  const html = new Array<string | null>(bodies.length).fill(null);
  if (format === 'markdown' && text.length <= MAX_DOCUMENT_CHARS && bodies.every((b) => b.end - b.start <= MAX_RENDER_CHARS)) {
    try {
      renderFromDocument(text, bodies, engineFor(sourceUrl), html);
    } catch {
      html.fill(null);
    }
  }
  let definitions: Map<string, string> | null = null;
  return html.map((done, i) => {
    if (done !== null) return done;
    const body = text.slice(bodies[i]!.start, bodies[i]!.end);
    if (format !== 'markdown') return renderBody(body, format, sourceUrl);
    definitions ??= linkDefinitions(text.split('\n'));
    return renderBody(withDefinitions(body, definitions), format, sourceUrl);
  });
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09;
}

/** Fills `html[i]` for each body that whole top-level blocks make up; leaves the others null. */
function renderFromDocument(text: string, bodies: readonly TextRange[], engine: Engine, html: (string | null)[]): void {
  if (needsTaming(text)) return;
  const tokens = Lexer.lex(text, engine.options);
  const inside: Token[][] = bodies.map(() => []);
  const straddled = new Array<boolean>(bodies.length).fill(false);
  let at = 0;
  let b = 0;
  for (const token of tokens) {
    const raw = token.raw;
    // Tokens are consecutive slices of the text; anything else (a lexer that rewrote some) and the file is
    // rendered body by body instead.
    if (raw.length === 0 || raw.charCodeAt(0) !== text.charCodeAt(at)) return;
    let start = at;
    let end = at + raw.length;
    at = end;
    while (start < end && isSpace(text.charCodeAt(start))) start++;
    while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
    if (start === end) continue;
    while (b < bodies.length && bodies[b]!.end <= start) b++;
    for (let k = b; k < bodies.length && bodies[k]!.start < end; k++) {
      if (bodies[k]!.start <= start && end <= bodies[k]!.end) inside[k]!.push(token);
      else straddled[k] = true;
    }
  }
  if (at !== text.length) return;
  for (let i = 0; i < bodies.length; i++) if (!straddled[i]) html[i] = entryHtml(markedHtml(inside[i]!, engine), engine);
}
