import { findDate } from './dates';
import { sectionKind } from './sections';
import { findVersionTokens, isPrerelease } from './versions';

describe('findVersionTokens', () => {
  const versions = (s: string) => findVersionTokens(s).map((t) => t.version);
  test.each([
    ['1.2.30', ['1.2.30']],
    ['1.2.3-rc.1 and 1.2.3', ['1.2.3-rc.1', '1.2.3']],
    ['v1.2.3a1', ['1.2.3a1']],
    ['1.2.3.post1', ['1.2.3.post1']],
    ['pkg@1.2.3', ['1.2.3']],
    ['pkg-v1.2.3', ['1.2.3']],
    ['@scope/pkg@2.0.0-beta.4', ['2.0.0-beta.4']],
    ['31.01.2024', []],
    ['192x1.2', []],
    ['1.2.3+build.5', ['1.2.3+build.5']],
  ])('%s', (text, expected) => expect(versions(text)).toEqual(expected));
});

describe('isPrerelease', () => {
  test.each([
    ['1.2.3', false], ['1.2.3-rc.1', true], ['2.0.0rc1', true], ['1.0a1', true], ['1.0.dev3', true], ['1.2.3.post1', false],
  ])('%s → %s', (v, expected) => expect(isPrerelease(v)).toBe(expected));
});

describe('findDate', () => {
  test.each([
    ['2024-01-31', '2024-01-31'], ['2024/1/5', '2024-01-05'], ['31.01.2024', '2024-01-31'], ['01/31/2024', '2024-01-31'],
    ['31/01/2024', '2024-01-31'], ['Jan 31, 2024', '2024-01-31'], ['31 January 2024', '2024-01-31'],
    ['January 31st, 2024', '2024-01-31'], ['Sept. 3 2023', '2023-09-03'], ['2024-02-30', null], ['01/02/2024', null],
    ['no date', null],
  ])('%s', (text, expected) => expect(findDate(text)).toBe(expected));

  test('the file’s day/month order settles ambiguous dates', () => {
    expect(findDate('01/02/2024', 'dmy')).toBe('2024-02-01');
    expect(findDate('01/02/2024', 'mdy')).toBe('2024-01-02');
  });
});

describe('sectionKind', () => {
  test.each([
    ['Added', 'added'], ['Features', 'added'], ['✨ New Features', 'added'], ['Minor Changes', 'added'],
    ['Bug Fixes', 'fixed'], ['Bugfixes', 'fixed'], ['Patch Changes', 'fixed'], ['🐛 Fixes', 'fixed'],
    ['BREAKING CHANGES', 'breaking'], ['Major Changes', 'breaking'], ['Backwards incompatible changes', 'breaking'],
    ['Deprecations and Removals', 'deprecated'], ['Removed', 'removed'], ['Security', 'security'],
    ['Changed', 'changed'], ['Performance Improvements', 'changed'], ['Improved Documentation', 'other'], ['Misc', 'other'],
  ])('%s → %s', (title, kind) => expect(sectionKind(title)).toBe(kind));

  test('credits are other', () => expect(sectionKind('Thanks to our sponsors')).toBe('other'));
  test('prose is not a section name', () => expect(sectionKind('Something unusual happened')).toBeNull());
});
