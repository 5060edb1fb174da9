// RubyGems' version order (Gem::Version): a version is a list of segments, numbers and letter runs
// ("1.0.0.rc1" is 1, 0, 0, "rc", 1; a "-" reads as ".pre."). Any letter segment makes the version a
// prerelease, sorting before the release; trailing zeros do not count ("1.0" equals "1.0.0"), and a letter
// segment sorts before a number in the same place. Written here from that description: semver's order
// differs where gems number past three places, or write "1.0.a" or "1.0-rc.1".

export type GemVersion = (number | string)[];

const VALID = /^[0-9]+(?:\.[0-9a-z-]+)*$/i;

export function parseGemVersion(text: string): GemVersion | null {
  const trimmed = text.trim().replace(/^v(?=\d)/i, '');
  if (!VALID.test(trimmed)) return null;
  const segments = (trimmed.replace(/-/g, '.pre.').match(/[0-9]+|[a-z]+/gi) ?? []).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  // Canonical: drop the zeros that end the release part, and those that end the prerelease part.
  const firstLetters = segments.findIndex((s) => typeof s === 'string');
  const release = firstLetters < 0 ? segments : segments.slice(0, firstLetters);
  const prerelease = firstLetters < 0 ? [] : segments.slice(firstLetters);
  const trim = (part: GemVersion) => {
    let end = part.length;
    while (end > 0 && part[end - 1] === 0) end -= 1;
    return part.slice(0, end);
  };
  return [...trim(release), ...trim(prerelease)];
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
