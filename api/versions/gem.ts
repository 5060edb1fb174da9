// RubyGems' version order (Gem::Version): a version is a run of segments, numbers and letter strings (`1.2.0.rc1`
// is 1, 2, 0, "rc", 1; a `-` reads as `.pre.`); any letter makes it a prerelease. Trailing zeros of the numeric
// part and of the rest are ignored (`1.0` = `1`), a string segment sorts before a number (`1.0.a` < `1.0`),
// strings compare as strings, and a missing segment counts as 0.

export type GemVersion = (number | string)[];

const VALID = /^[0-9]+(?:\.[0-9a-z]+)*(?:-[0-9a-z-]+(?:\.[0-9a-z-]+)*)?$/i;

/** Trailing zeros dropped, as RubyGems does before comparing. */
function withoutTrailingZeros(segments: GemVersion): GemVersion {
  let end = segments.length;
  while (end > 0 && segments[end - 1] === 0) end--;
  return segments.slice(0, end);
}

export function parseGemVersion(text: string): GemVersion | null {
  // Changelog headings often write a leading "v"; RubyGems itself never does.
  const trimmed = text.trim().replace(/^v(?=\d)/i, '');
  if (!VALID.test(trimmed)) return null;
  const segments = trimmed
    .replace(/-/g, '.pre.')
    .match(/[0-9]+|[a-z]+/gi)!
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const firstString = segments.findIndex((s) => typeof s === 'string');
  if (firstString === -1) return withoutTrailingZeros(segments);
  return [...withoutTrailingZeros(segments.slice(0, firstString)), ...withoutTrailingZeros(segments.slice(firstString))];
}

export function compareGemVersions(a: GemVersion, b: GemVersion): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x === y) continue;
    if (typeof x === 'string' && typeof y === 'number') return -1;
    if (typeof x === 'number' && typeof y === 'string') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
