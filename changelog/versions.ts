// Version tokens in heading text. A token is a whole word: `1.2.3` never matches inside `1.2.30`,
// `1.2.3-rc.1` or `1.2.3a1`, because the pattern always consumes the longest version-shaped run and the
// caller compares whole tokens.

export interface VersionToken {
  /** The version without a leading "v". */
  version: string;
  /** Offset of the token (including any "v") in the searched text. */
  index: number;
  end: number;
}

// Core `1.2`, `1.2.3`, `1.2.3.4`; then a semver pre-release/build, or PEP 440 pre/post/dev parts.
// Every quantified part is anchored by a distinct leading character, so matching stays linear.
const TOKEN =
  /(?<![\w.@+-])[vV]?(\d{1,9}(?:\.\d{1,9}){1,3}(?:-[0-9A-Za-z]+(?:[.-][0-9A-Za-z]+){0,6})?(?:\+[0-9A-Za-z]+(?:\.[0-9A-Za-z]+){0,6})?(?:[._]?(?:a|b|c|rc|alpha|beta|pre|preview)\.?\d{0,6})?(?:[._-]?(?:post|rev)\.?\d{0,6})?(?:[._]?dev\.?\d{0,6})?)(?![\w+]|\.\d|-[0-9A-Za-z])/g;

// Monorepo headings put the package name right before the version: `pkg@1.2.3`, `pkg-v1.2.3`.
const MONOREPO = /(?:@|[\w]-v?)(\d{1,9}(?:\.\d{1,9}){1,3}(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+){0,6})?)(?![\w+]|\.\d|-[0-9A-Za-z])/g;

const DMY_DATE = /^(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)$/;

/** Version-shaped words in `text`, in order; dates written `31.01.2024` are not versions. */
export function findVersionTokens(text: string, limit = 6): VersionToken[] {
  const found: VersionToken[] = [];
  for (const re of [TOKEN, MONOREPO]) {
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null && found.length < limit) {
      const version = m[1] ?? '';
      if (DMY_DATE.test(version)) continue;
      const end = m.index + m[0].length;
      const index = end - version.length - (text[end - version.length - 1] === 'v' && re === TOKEN ? 1 : 0);
      if (!found.some((f) => f.index <= index && index < f.end)) found.push({ version, index, end });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/** Strips a leading "v" so that versions compare the way registries list them. */
export function normalizeVersion(version: string): string {
  return version.trim().replace(/^[vV](?=\d)/, '');
}

const SEMVER_PRE = /^\d+(?:\.\d+)*-/;
const PEP440_PRE = /^\d+(?:\.\d+)*[._-]?(?:a|b|c|rc|alpha|beta|pre|preview|dev)\.?\d*/i;

/** A semver pre-release (`-rc.1`) or a PEP 440 pre/dev release (`1.2a1`, `1.2.dev0`); `.post1` is final. */
export function isPrerelease(version: string): boolean {
  return SEMVER_PRE.test(version) || PEP440_PRE.test(version);
}
