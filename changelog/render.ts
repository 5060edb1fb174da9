import { Marked, type Tokens } from 'marked';
import { closeAll, escapeHtml, sanitizeHtml, type OpenTags } from './html';
import { safeUrl } from './urls';
import type { ChangelogFormat } from './types';

/** Bodies larger than this are shown as preformatted text: marked's cost on hostile input grows too fast. */
export const MAX_RENDER_CHARS = 200_000;
/** Lines longer than this are escaped rather than parsed (minified blobs, pasted logs). */
const MAX_RENDER_LINE = 10_000;
/** Deeper quote/list nesting than this adds nothing for a reader and costs marked recursion. */
const MAX_NESTING = 8;

/** One marked instance per source URL base; the renderer closes over it to resolve relative URLs. */
function createMarked(base: string | null, open: OpenTags): Marked {
  return new Marked({
    gfm: true,
    async: false,
    renderer: {
      html: ({ text }: Tokens.HTML | Tokens.Tag) => sanitizeHtml(text, base, open),
      link(token: Tokens.Link) {
        const inner = token.tokens ? this.parser.parseInline(token.tokens) : escapeHtml(token.text);
        const href = safeUrl(token.href, base, 'link');
        if (href === null) return inner;
        const title = token.title ? ` title="${escapeHtml(token.title)}"` : '';
        return `<a href="${escapeHtml(href)}"${title} rel="nofollow noopener">${inner}</a>`;
      },
      image(token: Tokens.Image) {
        const src = safeUrl(token.href, base, 'image');
        const alt = escapeHtml(token.text);
        if (src === null) return alt;
        const title = token.title ? ` title="${escapeHtml(token.title)}"` : '';
        return `<img src="${escapeHtml(src)}" alt="${alt}"${title} loading="lazy">`;
      },
      checkbox: ({ checked }: Tokens.Checkbox) => (checked ? '[x] ' : '[ ] '),
    },
  });
}

let cached: { base: string | null; marked: Marked; open: OpenTags } | null = null;
function markedFor(base: string | null): { marked: Marked; open: OpenTags } {
  if (cached?.base !== base) {
    const open: OpenTags = [];
    cached = { base, marked: createMarked(base, open), open };
  }
  return cached;
}

/** Inline delimiters per paragraph or list item beyond which marked's emphasis and link matching turns quadratic. */
const MAX_DELIMITERS = 400;
const LIST_ITEM = /^\s{0,12}(?:[-*+]|\d{1,9}[.)])\s/;

/**
 * Caps what marked sees, so that rendering time stays proportional to the input: over-long lines are shown
 * as escaped text, deep `>`/list nesting is flattened, and paragraphs or list items crowded with emphasis or
 * bracket characters are indented into a code block (shown as written, and lexed in linear time).
 */
function tame(markdown: string): string {
  if (looksTame(markdown)) return markdown;
  const lines = markdown.split('\n');
  let changed = false;
  let groupStart = 0;
  let delimiters = 0;
  const indentCrowded = (end: number) => {
    if (delimiters <= MAX_DELIMITERS) return;
    for (let k = groupStart; k < end; k++) lines[k] = `    ${lines[k]}`;
    changed = true;
  };
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    // Each list item is lexed as its own inline run, so a long list of linked commits is not crowded.
    if (line.trim() === '' || LIST_ITEM.test(line)) {
      indentCrowded(i);
      groupStart = i;
      delimiters = 0;
    }
    if (line.length > MAX_RENDER_LINE) line = escapeHtml(line.slice(0, MAX_RENDER_LINE)).replace(/[\\`*_[\]()!#~|<>-]/g, '\\$&');
    else if (line.includes('>') && /^(?:\s*>){9}/.test(line)) line = line.replace(/^(?:\s*>)+/, '>'.repeat(MAX_NESTING));
    else if (line.startsWith(' '.repeat(33))) line = line.trimStart();
    if (line !== lines[i]) {
      lines[i] = line;
      changed = true;
    }
    delimiters += countDelimiters(line);
  }
  indentCrowded(lines.length);
  return changed ? lines.join('\n') : markdown;
}

function isDelimiter(c: number): boolean {
  return c === 0x2a || c === 0x5f || c === 0x7e || c === 0x60 || c === 0x5b || c === 0x5d;
}

function countDelimiters(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (isDelimiter(s.charCodeAt(i))) n++;
  return n;
}

/** The common case, checked in one pass: short lines, few delimiters, shallow nesting. */
function looksTame(markdown: string): boolean {
  if (markdown.length > MAX_RENDER_LINE && markdown.indexOf('\n') < 0) return false;
  let delimiters = 0;
  let lineStart = 0;
  for (let i = 0; i < markdown.length; i++) {
    const c = markdown.charCodeAt(i);
    if (c === 0x0a) {
      if (i - lineStart > MAX_RENDER_LINE) return false;
      lineStart = i + 1;
    } else if (isDelimiter(c)) {
      if (++delimiters > MAX_DELIMITERS) return false;
    }
  }
  return markdown.length - lineStart <= MAX_RENDER_LINE && !/(?:>[ \t]?){8}/.test(markdown) && !markdown.includes(' '.repeat(33));
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
  try {
    const markdown = tame(format === 'rst' ? rstToMarkdown(body) : body);
    const { marked, open } = markedFor(sourceUrl);
    open.length = 0;
    const html = marked.parse(markdown, { async: false }) as string;
    return html + closeAll(open);
  } catch {
    return `<pre>${escapeHtml(body)}</pre>\n`;
  }
}
