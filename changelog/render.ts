import { Marked, type Tokens } from 'marked';
import { escapeHtml, sanitizeHtml } from './html';
import { safeUrl } from './urls';
import type { ChangelogFormat } from './types';

/** Bodies larger than this are shown as preformatted text: marked's cost on hostile input grows too fast. */
export const MAX_RENDER_CHARS = 200_000;
/** Lines longer than this are escaped rather than parsed (minified blobs, pasted logs). */
const MAX_RENDER_LINE = 10_000;
/** Deeper quote/list nesting than this adds nothing for a reader and costs marked recursion. */
const MAX_NESTING = 8;

/** One marked instance per source URL base; the renderer closes over it to resolve relative URLs. */
function createMarked(base: string | null): Marked {
  return new Marked({
    gfm: true,
    async: false,
    renderer: {
      html: ({ text }: Tokens.HTML | Tokens.Tag) => sanitizeHtml(text, base),
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

let cached: { base: string | null; marked: Marked } | null = null;
function markedFor(base: string | null): Marked {
  if (cached?.base !== base) cached = { base, marked: createMarked(base) };
  return cached.marked;
}

/** Inline delimiters per paragraph beyond which marked's emphasis and link matching turns quadratic. */
const MAX_DELIMITERS = 400;
const DELIMITER = /[*_~`[\]]/g;

/**
 * Caps what marked sees, so that rendering time stays proportional to the input: over-long lines are shown
 * as escaped text, deep `>`/list nesting is flattened, and in paragraphs crowded with emphasis or bracket
 * characters those characters are backslash-escaped (they then render literally).
 */
function tame(markdown: string): string {
  if (looksTame(markdown)) return markdown;
  const lines = markdown.split('\n');
  let paragraphStart = 0;
  let delimiters = 0;
  const escapeCrowded = (end: number) => {
    if (delimiters > MAX_DELIMITERS) {
      for (let k = paragraphStart; k < end; k++) lines[k] = lines[k]!.replace(DELIMITER, '\\$&');
    }
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') {
      escapeCrowded(i);
      paragraphStart = i + 1;
      delimiters = 0;
      continue;
    }
    if (line.length > MAX_RENDER_LINE) lines[i] = escapeHtml(line.slice(0, MAX_RENDER_LINE)).replace(/[\\`*_[\]()!#~|<>-]/g, '\\$&');
    else if (/^(?:\s*>){9}/.test(line)) lines[i] = line.replace(/^(?:\s*>)+/, '>'.repeat(MAX_NESTING));
    else if (/^\s{33}/.test(line)) lines[i] = line.trimStart();
    delimiters += lines[i]!.match(DELIMITER)?.length ?? 0;
  }
  escapeCrowded(lines.length);
  return lines.join('\n');
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
    } else if (c === 0x2a || c === 0x5f || c === 0x7e || c === 0x60 || c === 0x5b || c === 0x5d) {
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
    return markedFor(sourceUrl).parse(markdown, { async: false }) as string;
  } catch {
    return `<pre>${escapeHtml(body)}</pre>\n`;
  }
}
