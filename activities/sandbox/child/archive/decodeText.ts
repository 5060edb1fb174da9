export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';

export type DecodedText = { text: string; encoding: TextEncodingName } | { error: 'binary'; message: string };

export interface DecodeTextOptions {
  /**
   * Lines longer than this many UTF-16 code units (line terminator excluded) are cut to `maxLineLength - 1` units
   * followed by `…`, so no line exceeds it. Guards later, per-line work (parsing, rendering) against minified or
   * generated one-line files. A cut never splits a surrogate pair.
   */
  maxLineLength?: number;
}

/** Above this share of control characters a file is taken for binary: text has almost none beyond tabs and newlines. */
const MAX_CONTROL_SHARE = 0.05;
const ELLIPSIS = '…';

/**
 * Decodes a text file of unknown encoding: UTF-8 (BOM stripped), UTF-16 LE/BE announced by a BOM, else Latin-1
 * (decoded as windows-1252, as browsers do) when the bytes are not valid UTF-8. Binary content is refused.
 */
export function decodeText(bytes: Buffer, options: DecodeTextOptions = {}): DecodedText {
  const decoded = decodeBytes(bytes);
  if ('error' in decoded) return decoded;
  const binary = binaryError(decoded.text);
  if (binary) return binary;
  const { maxLineLength } = options;
  return maxLineLength === undefined ? decoded : { ...decoded, text: truncateLines(decoded.text, maxLineLength) };
}

function decodeBytes(bytes: Buffer): DecodedText {
  const utf16 = utf16ByBom(bytes);
  if (utf16) {
    const text = tryDecode(utf16, bytes.subarray(2));
    const name = utf16.toUpperCase();
    return text === undefined
      ? { error: 'binary', message: `starts with a ${name} byte-order mark but is not valid ${name}` }
      : { text, encoding: utf16 };
  }
  const body = hasUtf8Bom(bytes) ? bytes.subarray(3) : bytes;
  const utf8 = tryDecode('utf-8', body);
  if (utf8 !== undefined) return { text: utf8, encoding: 'utf-8' };
  return { text: decodeWindows1252(body), encoding: 'latin1' };
}

function utf16ByBom(bytes: Buffer): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

function hasUtf8Bom(bytes: Buffer): boolean {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
}

/** The text, or undefined when the bytes are not valid in `encoding`. BOMs are stripped by the caller. */
function tryDecode(encoding: 'utf-8' | 'utf-16le' | 'utf-16be', bytes: Buffer): string | undefined {
  try {
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Node's TextDecoder treats the `windows-1252` label as plain ISO-8859-1, so 0x80–0x9F would come out as C1
 * controls instead of the quotes, dashes and € that files written on Windows mean by them.
 */
function decodeWindows1252(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_C1.charAt(c.charCodeAt(0) - 0x80));
}

/** What windows-1252 puts at 0x80–0x9F; its five unassigned bytes keep their Latin-1 (C1 control) meaning. */
const WINDOWS_1252_C1 = String.fromCharCode(
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
);

/** Judged on decoded text so UTF-16 files are judged by their characters, not by their many zero bytes. */
function binaryError(text: string): DecodedText | undefined {
  // NUL never appears in text, but is everywhere in binary formats.
  const nul = text.indexOf('\0');
  if (nul !== -1) return { error: 'binary', message: `looks binary: NUL character at offset ${nul}` };
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    if (isControl(text.charCodeAt(i))) controls++;
  }
  if (controls > text.length * MAX_CONTROL_SHARE) {
    const percent = ((controls / text.length) * 100).toFixed(1);
    return { error: 'binary', message: `looks binary: ${percent}% of its characters are control characters` };
  }
  return undefined;
}

/** C0 and C1 controls, DEL; tab, line feed, form feed (page breaks in old changelogs) and carriage return are text. */
function isControl(code: number): boolean {
  if (code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) return false;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** One pass over the text; each line is sliced at most once. */
function truncateLines(text: string, maxLineLength: number): string {
  if (!Number.isInteger(maxLineLength) || maxLineLength < 1) {
    throw new RangeError(`maxLineLength must be a positive integer, got ${maxLineLength}`);
  }
  const parts: string[] = [];
  const terminator = /\r\n|\n|\r/g;
  let start = 0;
  for (let match = terminator.exec(text); ; match = terminator.exec(text)) {
    const end = match ? match.index : text.length;
    parts.push(truncateLine(text.slice(start, end), maxLineLength));
    if (!match) break;
    parts.push(match[0]);
    start = end + match[0].length;
  }
  return parts.join('');
}

function truncateLine(line: string, maxLineLength: number): string {
  if (line.length <= maxLineLength) return line;
  let cut = maxLineLength - ELLIPSIS.length;
  // Do not leave half of a surrogate pair behind.
  if (cut > 0 && isHighSurrogate(line.charCodeAt(cut - 1))) cut--;
  return line.slice(0, cut) + ELLIPSIS;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
