// Semantic Versioning 2.0 precedence, lenient about the forms changelog headings and RubyGems use:
// a leading "v", missing minor or patch ("1.2"), a fourth number, and RubyGems' ".pre1" prereleases.

export interface SemVer {
  release: number[];
  prerelease: (number | string)[];
}

const PATTERN = /^v?(\d+(?:\.\d+){0,3})(?:(?:-|\.(?=[a-z]))([0-9a-z.-]+))?(?:\+[0-9a-z.-]+)?$/i;

export function parseSemver(text: string): SemVer | null {
  const match = PATTERN.exec(text.trim());
  if (!match) return null;
  const release = match[1]!.split('.').map(Number);
  while (release.length < 3) release.push(0);
  const prerelease = match[2] ? match[2].split(/[.-]/).filter(Boolean).map((id) => (/^\d+$/.test(id) ? Number(id) : id.toLowerCase())) : [];
  return { release, prerelease };
}

export function compareSemver(a: SemVer, b: SemVer): number {
  const length = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < length; i++) {
    const diff = (a.release[i] ?? 0) - (b.release[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  // A prerelease sorts before its release.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return Math.sign(b.prerelease.length - a.prerelease.length);
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return Math.sign(x - y);
    // Numeric identifiers sort before alphanumeric ones.
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
