// Each registry's version order: semver for npm, Gem::Version's for RubyGems, PEP 440 for PyPI.
import type { Registry } from '../../workflows/types';
import { comparePep440, parsePep440 } from './pep440';
import { compareGemVersions, parseGemVersion } from './rubygems';
import { compareSemver, parseSemver } from './semver';

export interface VersionOrder<V> {
  parse(text: string): V | null;
  compare(a: V, b: V): number;
}

const semver: VersionOrder<NonNullable<ReturnType<typeof parseSemver>>> = { parse: parseSemver, compare: compareSemver };
const pep440: VersionOrder<NonNullable<ReturnType<typeof parsePep440>>> = { parse: parsePep440, compare: comparePep440 };
const gem: VersionOrder<NonNullable<ReturnType<typeof parseGemVersion>>> = { parse: parseGemVersion, compare: compareGemVersions };

const ORDERS: Record<Registry, VersionOrder<unknown>> = {
  npm: semver as VersionOrder<unknown>,
  rubygems: gem as VersionOrder<unknown>,
  pypi: pep440 as VersionOrder<unknown>,
};

export function versionOrder(registry: Registry): VersionOrder<unknown> {
  return ORDERS[registry];
}

/**
 * The items whose version is after `from` and up to and including `to`, newest first. Items whose version
 * does not parse are left out; a bound that does not parse is returned as `invalid`.
 */
export function versionsBetween<T extends { version: string | null }>(
  registry: Registry,
  items: T[],
  from: string | null,
  to: string | null,
): { items: T[] } | { invalid: string } {
  const order = versionOrder(registry);
  const lower = from === null ? null : order.parse(from);
  const upper = to === null ? null : order.parse(to);
  if (from !== null && lower === null) return { invalid: from };
  if (to !== null && upper === null) return { invalid: to };
  const parsed = items.flatMap((item) => {
    const v = item.version === null ? null : order.parse(item.version);
    return v === null ? [] : [{ item, v }];
  });
  const inRange = parsed.filter(
    ({ v }) => (lower === null || order.compare(v, lower) > 0) && (upper === null || order.compare(v, upper) <= 0),
  );
  inRange.sort((a, b) => order.compare(b.v, a.v));
  return { items: inRange.map(({ item }) => item) };
}
