import { safeUrl } from './urls';

// Raw HTML inside markdown goes through this allowlist: listed tags keep listed attributes (URLs checked),
// everything else — script, style, iframe, svg, forms, event handlers, unknown tags — is shown as text.
const ALLOWED: Record<string, readonly string[]> = {
  a: ['href', 'title'], abbr: ['title'], b: [], blockquote: [], br: [], caption: [], cite: [], code: [],
  dd: [], del: [], details: ['open'], dfn: [], div: [], dl: [], dt: [], em: [], h1: [], h2: [], h3: [], h4: [],
  h5: [], h6: [], hr: [], i: [], img: ['src', 'alt', 'title', 'width', 'height'], ins: [], kbd: [], li: [],
  mark: [], ol: ['start'], p: [], pre: [], q: [], s: [], samp: [], small: [], span: [], strike: [],
  strong: [], sub: [], summary: [], sup: [], table: [], tbody: [], td: ['align', 'colspan', 'rowspan'],
  tfoot: [], th: ['align', 'colspan', 'rowspan'], thead: [], tr: [], tt: [], u: [], ul: [], var: [], wbr: [],
};
const VOID = new Set(['br', 'hr', 'img', 'wbr']);
const NUMERIC_ATTRS = new Set(['width', 'height', 'colspan', 'rowspan', 'start']);

const HTML_SPECIAL = /[&<>"']/;
const HTML_SPECIALS = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const toEntity = (c: string) => ENTITY[c]!;

export function escapeHtml(s: string): string {
  return HTML_SPECIAL.test(s) ? s.replace(HTML_SPECIALS, toEntity) : s;
}

const TEXT_SPECIAL = /[<>"']|&(?!#\d{1,7};|#[xX][0-9a-fA-F]{1,6};|\w+;)/;
const TEXT_SPECIALS = new RegExp(TEXT_SPECIAL.source, 'g');

/** Markdown text as HTML, the way marked escapes it: markup characters escaped, character references kept. */
export function escapeMarkdownText(s: string): string {
  return TEXT_SPECIAL.test(s) ? s.replace(TEXT_SPECIALS, toEntity) : s;
}

/** Text between tags: `<` and `>` escaped; entities left alone, since a decoded entity in text is only text. */
function escapeText(s: string): string {
  return s.replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
}

const TAG_NAME = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]{0,20})/;
const ATTR = /^[\s/]*([^\s"'>/=]{1,100})(?:\s*=\s*(?:"([^"]{0,2000})"|'([^']{0,2000})'|([^\s"'=<>`]{1,2000})))?/;

/**
 * Raw tags opened and not yet closed in the entry being rendered. A closing tag with no matching opening
 * one is dropped, so an entry's HTML cannot close the page's elements around it.
 */
export type OpenTags = string[];

function closeTag(tag: string, open: OpenTags): string {
  const at = open.lastIndexOf(tag);
  if (at < 0) return '';
  const closed = open.splice(at).reverse();
  return closed.map((t) => `</${t}>`).join('');
}

function renderTag(source: string, base: string | null, open: OpenTags): { html: string; length: number } | null {
  const name = TAG_NAME.exec(source);
  if (!name) return null;
  const tag = name[2]!.toLowerCase();
  const closing = name[1] === '/';
  let pos = name[0].length;
  const attrs: string[] = [];
  for (let n = 0; n < 50; n++) {
    const rest = source.slice(pos, pos + 2200);
    const end = /^[\s/]*>/.exec(rest);
    if (end) {
      pos += end[0].length;
      const allowed = ALLOWED[tag];
      if (!allowed) return null;
      if (closing) return { html: VOID.has(tag) ? '' : closeTag(tag, open), length: pos };
      if (!VOID.has(tag)) open.push(tag);
      return { html: `<${tag}${attrs.join('')}>`, length: pos };
    }
    const attr = ATTR.exec(rest);
    if (!attr) return null;
    pos += attr[0].length;
    const attrName = attr[1]!.toLowerCase();
    const value = attr[2] ?? attr[3] ?? attr[4] ?? '';
    if (!ALLOWED[tag]?.includes(attrName)) continue;
    const safe = attrName === 'href' || attrName === 'src' ? safeUrl(value, base, attrName === 'src' ? 'image' : 'link') : value;
    if (safe === null || (NUMERIC_ATTRS.has(attrName) && !/^\d{1,6}%?$/.test(safe))) continue;
    attrs.push(` ${attrName}="${escapeHtml(safe)}"`);
  }
  return null;
}

/** Sanitises a raw HTML fragment from markdown. Comments are dropped; `open` tracks tags across fragments. */
export function sanitizeHtml(source: string, base: string | null, open: OpenTags): string {
  let out = '';
  let pos = 0;
  while (pos < source.length) {
    const lt = source.indexOf('<', pos);
    if (lt < 0) {
      out += escapeText(source.slice(pos));
      break;
    }
    out += escapeText(source.slice(pos, lt));
    if (source.startsWith('<!--', lt)) {
      const close = source.indexOf('-->', lt + 4);
      pos = close < 0 ? source.length : close + 3;
      continue;
    }
    const tag = renderTag(source.slice(lt, lt + 20000), base, open);
    if (tag) {
      out += tag.html;
      pos = lt + tag.length;
    } else {
      out += '&lt;';
      pos = lt + 1;
    }
  }
  return out;
}

/** Closing tags for whatever raw HTML left open, innermost first. */
export function closeAll(open: OpenTags): string {
  return open.splice(0).reverse().map((t) => `</${t}>`).join('');
}
