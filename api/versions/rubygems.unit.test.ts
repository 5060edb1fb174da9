import { versionsBetween } from './index';
import { compareGemVersions, parseGemVersion } from './rubygems';

const sorted = (versions: string[]) => [...versions].sort((a, b) => compareGemVersions(parseGemVersion(a)!, parseGemVersion(b)!));

test('orders as Gem::Version does: prereleases before their release, letters before numbers', () => {
  const ordered = ['0.9', '1.0.0.a', '1.0.0.a1', '1.0.0.a10', '1.0.0.b', '1.0.0.beta2', '1.0.0.pre', '1.0.0.rc1', '1.0', '1.0.0.1', '1.0.1', '1.2.3.4.5', '1.10', '7.1.0-rc.1', '7.1.0'];
  expect(sorted([...ordered].reverse())).toEqual(ordered);
});

test('trailing zeros do not count, and a dash is a prerelease', () => {
  const same = (a: string, b: string) => expect(compareGemVersions(parseGemVersion(a)!, parseGemVersion(b)!)).toBe(0);
  same('1.0', '1.0.0');
  same('1', '1.0.0.0');
  same('1.0.0-rc1', '1.0.0.pre.rc1');
  expect(compareGemVersions(parseGemVersion('2.0.0-rc1')!, parseGemVersion('2.0.0')!)).toBe(-1);
  expect(parseGemVersion('Unreleased')).toBeNull();
  expect(parseGemVersion('1..2')).toBeNull();
});

test('versionsBetween uses the gem order for RubyGems', () => {
  const entries = ['7.1.0', '7.1.0.rc1', '7.0.8.1', '7.0.8', '7.0.7'].map((version) => ({ version }));
  expect(versionsBetween('rubygems', entries, '7.0.8', null)).toEqual({ items: [{ version: '7.1.0' }, { version: '7.1.0.rc1' }, { version: '7.0.8.1' }] });
});
