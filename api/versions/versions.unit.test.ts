import { compareGemVersions, parseGemVersion } from './rubygems';
import { comparePep440, parsePep440 } from './pep440';
import { compareSemver, parseSemver } from './semver';
import { versionsBetween } from './index';

function sortedBy<V>(parse: (t: string) => V | null, compare: (a: V, b: V) => number, versions: string[]): string[] {
  return [...versions].sort((a, b) => compare(parse(a)!, parse(b)!));
}

describe('semver', () => {
  test('orders by precedence, prereleases before their release', () => {
    const ordered = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.2.0', '1.10.0', '2.0.0'];
    const shuffled = [...ordered].reverse();
    expect(sortedBy(parseSemver, compareSemver, shuffled)).toEqual(ordered);
  });

  test('reads the forms changelogs and RubyGems use', () => {
    expect(compareSemver(parseSemver('v1.2')!, parseSemver('1.2.0')!)).toBe(0);
    expect(compareSemver(parseSemver('1.2.3.beta1')!, parseSemver('1.2.3')!)).toBe(-1);
    expect(compareSemver(parseSemver('1.2.3.4')!, parseSemver('1.2.3')!)).toBe(1);
    expect(compareSemver(parseSemver('1.0.0+build.5')!, parseSemver('1.0.0')!)).toBe(0);
    expect(parseSemver('Unreleased')).toBeNull();
  });
});

describe('PEP 440', () => {
  test('orders dev, pre, release, post and local versions as packaging does', () => {
    const ordered = ['1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0a12.dev456', '1.0a12', '1.0b1.dev456', '1.0b2', '1.0b2.post345.dev456', '1.0b2.post345', '1.0rc1.dev456', '1.0rc1', '1.0', '1.0+abc.5', '1.0+abc.7', '1.0+5', '1.0.post456.dev34', '1.0.post456', '1.0.15', '1.1.dev1', '1!0.5'];
    const shuffled = [...ordered].reverse();
    expect(sortedBy(parsePep440, comparePep440, shuffled)).toEqual(ordered);
  });

  test('normalises spellings', () => {
    const same = (a: string, b: string) => expect(comparePep440(parsePep440(a)!, parsePep440(b)!)).toBe(0);
    same('1.0', '1.0.0');
    same('1.0alpha1', '1.0a1');
    same('1.0-c1', '1.0rc1');
    same('1.0-1', '1.0.post1');
    same('v1.0.RC1', '1.0rc1');
    expect(parsePep440('not a version')).toBeNull();
  });
});

describe('RubyGems versions', () => {
  test('orders prereleases (any letter) before their release, as Gem::Version does', () => {
    const ordered = ['0.9', '1.0.0.a', '1.0.0.a1', '1.0.0.b', '1.0.0.pre', '1.0.0.pre.2', '1.0.0.rc1', '1.0.0.rc2', '1.0.0', '1.0.1', '1.2', '1.10.0', '2.0.0.beta1', '2.0.0'];
    const shuffled = [...ordered].reverse();
    expect(sortedBy(parseGemVersion, compareGemVersions, shuffled)).toEqual(ordered);
  });

  test('ignores trailing zeros, reads a hyphen as .pre. and a heading\'s leading v', () => {
    const same = (a: string, b: string) => expect(compareGemVersions(parseGemVersion(a)!, parseGemVersion(b)!)).toBe(0);
    same('1.0', '1.0.0');
    same('1', '1.0.0.0');
    same('1.0-beta', '1.0.pre.beta');
    same('v2.1.0', '2.1');
    // Unlike semver, RubyGems puts 1.0.0.rc1 after 1.0.0.beta and 1.0.a10 after 1.0.a9 by segment, not by text.
    expect(compareGemVersions(parseGemVersion('1.0.a10')!, parseGemVersion('1.0.a9')!)).toBe(1);
    expect(parseGemVersion('Unreleased')).toBeNull();
    expect(parseGemVersion('1.0..0')).toBeNull();
  });
});

describe('versionsBetween', () => {
  const entries = ['Unreleased', '2.0.0', '1.10.0', '1.2.0', '1.1.0', '1.0.0'].map((version) => ({ version }));

  test('keeps versions after from, up to and including to, newest first', () => {
    expect(versionsBetween('npm', entries, '1.1.0', '1.10.0')).toEqual({ items: [{ version: '1.10.0' }, { version: '1.2.0' }] });
    expect(versionsBetween('npm', entries, null, '1.1.0')).toEqual({ items: [{ version: '1.1.0' }, { version: '1.0.0' }] });
  });

  test('uses PEP 440 for PyPI', () => {
    const py = ['2.0', '2.0rc1', '1.0.post1', '1.0'].map((version) => ({ version }));
    expect(versionsBetween('pypi', py, '1.0', '2.0rc1')).toEqual({ items: [{ version: '2.0rc1' }, { version: '1.0.post1' }] });
  });

  test('uses RubyGems\' order for gems', () => {
    const gems = ['2.0.0', '2.0.0.rc1', '2.0.0.beta2', '1.9.1', '1.9'].map((version) => ({ version }));
    expect(versionsBetween('rubygems', gems, '1.9', '2.0.0.rc1')).toEqual({ items: [{ version: '2.0.0.rc1' }, { version: '2.0.0.beta2' }, { version: '1.9.1' }] });
  });

  test('reports a bound that is not a version', () => {
    expect(versionsBetween('npm', entries, 'soon', null)).toEqual({ invalid: 'soon' });
  });
});
