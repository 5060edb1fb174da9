import type Sanitize from 'sanitize-html';
import type { IOptions } from 'sanitize-html';
import { safeUrl } from './urls';

// An entry's HTML goes to the page's innerHTML, so it leaves the renderer only through an HTML parser and an
// allowlist: listed tags keep listed attributes (URLs checked), everything else — script, style, iframe, svg,
// forms, event handlers, unknown tags — is shown as text, and comments are dropped.
const ALLOWED: Record<string, string[]> = {
  a: ['href', 'title', 'rel'], abbr: ['title'], b: [], blockquote: [], br: [], caption: [], cite: [], code: [],
  dd: [], del: [], details: ['open'], dfn: [], div: [], dl: [], dt: [], em: [], h1: [], h2: [], h3: [], h4: [],
  h5: [], h6: [], hr: [], i: [], img: ['src', 'alt', 'title', 'width', 'height', 'loading'], ins: [], kbd: [], li: [],
  mark: [], ol: ['start'], p: [], pre: [], q: [], s: [], samp: [], small: [], span: [], strike: [],
  strong: [], sub: [], summary: [], sup: [], table: [], tbody: [], td: ['align', 'colspan', 'rowspan'],
  tfoot: [], th: ['align', 'colspan', 'rowspan'], thead: [], tr: [], tt: [], u: [], ul: [], var: [], wbr: [],
};
const NUMERIC_ATTRS = ['width', 'height', 'colspan', 'rowspan', 'start'];
const NUMERIC = /^\d{1,6}%?$/;

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

const TAG_NAME = /^<\/?([a-zA-Z][a-zA-Z0-9-]*)/;

/**
 * Whether one tag from markdown text (`<T>`, `</div>`, `<T extends Base>`) opens or closes an element the
 * allowlist drops. Comments and other markup are not tags of an element.
 */
export function isDroppedTag(tag: string): boolean {
  const name = TAG_NAME.exec(tag)?.[1];
  return name !== undefined && !Object.hasOwn(ALLOWED, name.toLowerCase());
}

type Attributes = Record<string, string>;

/** Drops numeric attributes that are not numbers. */
function numeric(attribs: Attributes): Attributes {
  for (const name of NUMERIC_ATTRS) if (name in attribs && !NUMERIC.test(attribs[name]!)) delete attribs[name];
  return attribs;
}

/** The URL attribute `name` as `safeUrl` has it (resolved against `base`), or gone. */
function url(attribs: Attributes, name: 'href' | 'src', base: string | null, kind: 'link' | 'image'): Attributes {
  if (!(name in attribs)) return attribs;
  const safe = safeUrl(attribs[name]!, base, kind);
  if (safe === null) delete attribs[name];
  else attribs[name] = safe;
  return attribs;
}

/**
 * The sanitizer's options for one source URL: relative links and images resolve against it. Every link gets
 * `rel="nofollow noopener"` and every image `loading="lazy"`, raw HTML's as well as markdown's.
 */
export function sanitizerFor(base: string | null): IOptions {
  return {
    allowedTags: Object.keys(ALLOWED),
    allowedAttributes: ALLOWED,
    // marked's fenced code blocks name their language this way.
    allowedClasses: { code: ['language-*'] },
    // safeUrl has decided already; these hold the line should it ever let something else through.
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'escape',
    // Written `<br />`: a void element must not get a closing tag.
    selfClosing: ['br', 'hr', 'img', 'wbr'],
    transformTags: {
      a: (tagName, attribs) => ({ tagName, attribs: { ...url(attribs, 'href', base, 'link'), rel: 'nofollow noopener' } }),
      // An image without alternative text is taken as decorative (alt=""), so screen readers skip it rather than
      // read out its address.
      img: (tagName, attribs) => ({ tagName, attribs: { alt: '', ...numeric(url(attribs, 'src', base, 'image')), loading: 'lazy' } }),
      ol: (tagName, attribs) => ({ tagName, attribs: numeric(attribs) }),
      td: (tagName, attribs) => ({ tagName, attribs: numeric(attribs) }),
      th: (tagName, attribs) => ({ tagName, attribs: numeric(attribs) }),
    },
  };
}

/**
 * One entry's HTML, parsed and written out again under the allowlist. The result is well-formed on its own:
 * an element left open is closed where its parent closes (a `<table>` opened in a list item ends with the
 * item), whatever is still open is closed at the end, and a closing tag with no opening one is dropped, so an
 * entry cannot close or swallow the page's elements around it.
 */
export function sanitizeEntry(html: string, options: IOptions): string {
  // Loaded on first use: few changelogs hold raw HTML, and loading the sanitizer (with the CSS parser it
  // brings) costs a sandbox process about as much as loading marked.
  const sanitizeHtml = require('sanitize-html') as typeof Sanitize;
  return sanitizeHtml(html, options);
}
