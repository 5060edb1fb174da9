// RubyGems' version order (Gem::Version: `1.0.0.rc1` is a prerelease of `1.0`, trailing zeros do not count, a
// letter segment sorts before a number), from @renovatebot/ruby-semver, a port of RubyGems' own rules.
import { eq, gt, valid } from '@renovatebot/ruby-semver';

/** A version as RubyGems accepts it. */
export type GemVersion = string;

export function parseGemVersion(text: string): GemVersion | null {
  // Changelog headings often write a leading "v"; RubyGems itself never does.
  const version = text.trim().replace(/^v(?=\d)/i, '');
  return valid(version) ? version : null;
}

export function compareGemVersions(a: GemVersion, b: GemVersion): number {
  return eq(a, b) ? 0 : gt(a, b) ? 1 : -1;
}
