// Which URLs may appear in rendered HTML, and how relative ones resolve against the file's location.

const NAMED_ENTITIES: Record<string, string> = {
  colon: ':', tab: '\t', newline: '\n', sol: '/', lpar: '(', rpar: ')', period: '.', amp: '&', quot: '"',
  apos: "'", lt: '<', gt: '>', nbsp: ' ', num: '#', excl: '!', quest: '?', comma: ',', semi: ';',
};

/** Decodes character references the way a browser would inside an attribute, `;` optional. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(?:#[xX]([0-9a-fA-F]{1,8})|#(\d{1,10})|([a-zA-Z]{2,10}));?/g, (all, hex, dec, name) => {
    if (hex || dec) {
      const code = hex ? parseInt(hex, 16) : parseInt(dec, 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '\uFFFD';
    }
    return NAMED_ENTITIES[String(name).toLowerCase()] ?? all;
  });
}

function isInvisible(c: number): boolean {
  return c <= 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0xad || (c >= 0x200b && c <= 0x200f) || c === 0x2028 || c === 0x2029 || c === 0xfeff;
}

/** Removes C0/C1 controls, spaces and zero-width characters, which browsers skip inside a scheme. */
function stripInvisible(s: string): string {
  let i = 0;
  while (i < s.length && !isInvisible(s.charCodeAt(i))) i++;
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) if (!isInvisible(s.charCodeAt(i))) out += s[i];
  return out;
}

const SAFE_SCHEMES = new Set(['http:', 'https:', 'mailto:']);
const PLAIN_WEB_URL = /^https?:\/\/[!-%'-~]*$/i;

/**
 * The URL to emit for an href/src, or null to drop it. The check runs on the URL a browser would see:
 * entities decoded, and tabs, newlines and other control characters (which browsers ignore inside a scheme)
 * removed. Only http(s) and mailto survive; relative URLs resolve against `base` when one is given.
 */
export function safeUrl(raw: string, base: string | null, kind: 'link' | 'image'): string | null {
  // Most URLs are plain http(s) ones: printable ASCII, no character references, nothing to strip.
  if (PLAIN_WEB_URL.test(raw)) return raw;
  const url = stripInvisible(decodeEntities(raw));
  if (!url) return null;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  if (scheme) {
    if (!SAFE_SCHEMES.has(scheme[1]!.toLowerCase() + ':')) return null;
    return kind === 'image' && scheme[1]!.toLowerCase() === 'mailto' ? null : url;
  }
  // Anything that is not an absolute URL with a safe scheme must not be read as a scheme by any parser.
  if (url.includes(':') && !/^[^:]*[/?#]/.test(url)) return null;
  if (url.startsWith('#') || !base) return url;
  try {
    const resolved = new URL(url, base);
    if (!SAFE_SCHEMES.has(resolved.protocol)) return null;
    return kind === 'image' ? rawFileUrl(resolved, base) : resolved.href;
  } catch {
    return null;
  }
}

/**
 * Images from a repository page (`…/blob/<ref>/path`) must point at the file itself: the same host's
 * `…/raw/<ref>/path` form serves it, so no host name needs to be known.
 */
function rawFileUrl(resolved: URL, base: string): string {
  const baseUrl = new URL(base);
  if (resolved.origin !== baseUrl.origin || !baseUrl.pathname.includes('/blob/')) return resolved.href;
  resolved.pathname = resolved.pathname.replace('/blob/', '/raw/');
  return resolved.href;
}
