import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseChangelog } from './parse';
import type { ParseOptions } from './types';

function parseFixture(name: string, options: Partial<ParseOptions> = {}) {
  const text = readFileSync(join(__dirname, 'fixtures', name), 'utf8');
  return parseChangelog(text, { fileName: name, html: false, ...options });
}
const versions = (name: string, options?: Partial<ParseOptions>) => parseFixture(name, options).entries.map((e) => e.version);

describe('parseChangelog on real-world-shaped files', () => {
  test('Keep a Changelog: Unreleased, YANKED, sections, link references kept out of bodies', () => {
    const parsed = parseFixture('keep-a-changelog.md');
    expect(parsed.format).toBe('markdown');
    expect(parsed.entries.map((e) => [e.version, e.date])).toEqual([
      [null, null],
      ['2.14.0', '2026-07-02'],
      ['2.13.0', '2026-05-27'],
      ['2.12.1', '2025-06-19'],
      ['2.12.0', '2024-09-26'],
      ['2.1.1', '2017-06-22'],
      ['2.1.0', '2017-06-02'],
      ['2.0.0', '2016-11-07'],
    ]);
    const [unreleased, first] = parsed.entries;
    expect(unreleased?.unreleased).toBe(true);
    expect(first?.sections).toEqual([{ kind: 'added', title: 'Added' }, { kind: 'fixed', title: 'Fixed' }]);
    const yanked = parsed.entries.find((e) => e.version === '2.1.0');
    expect(yanked?.yanked).toBe(true);
    expect(yanked?.title).toBe('v2.1.0 - 2017-06-02 YANKED');
    const last = parsed.entries[parsed.entries.length - 1];
    expect(last?.body).not.toMatch(/^\[@/m);
  });

  test('conventional-changelog: versions on two heading levels, anchors and compare links stripped', () => {
    const parsed = parseFixture('conventional.md');
    expect(parsed.entries.map((e) => [e.version, e.date, e.title])).toEqual([
      ['2.0.0', '2019-01-28', '2.0.0 (2019-01-28)'],
      ['1.0.2', '2017-06-16', '1.0.2 (2017-06-16)'],
    ]);
    expect(parsed.entries[0]?.sections.map((s) => s.kind)).toEqual(['other', 'breaking']);
    expect(parsed.entries[0]?.body).not.toContain('<a name="1.0.2">');
  });

  test('release-please: compare-link heading, "⚠ BREAKING CHANGES" section', () => {
    const [entry] = parseFixture('release-please.md').entries;
    expect(entry).toMatchObject({ version: '0.8.0', date: '2021-07-24' });
    expect(entry?.sections[0]).toEqual({ kind: 'breaking', title: '⚠ BREAKING CHANGES' });
  });

  test('changesets: "## x.y.z" with "### Patch Changes" sections; dependency bullets are not entries', () => {
    const parsed = parseFixture('changesets.md');
    expect(parsed.entries.map((e) => e.version)).toEqual(['4.0.66', '4.0.65', '4.0.64', '4.0.63', '4.0.62', '4.0.61', '4.0.60']);
    expect(parsed.entries[0]?.sections).toEqual([{ kind: 'fixed', title: 'Patch Changes' }]);
  });

  test('setext History.md (`v1.2.0 / date` over `===`)', () => {
    expect(parseFixture('History.md').entries.map((e) => [e.version, e.date])).toEqual([
      ['2.1.1', '2025-12-01'],
      ['2.1.0', '2025-03-05'],
      ['2.0.0', '2024-09-02'],
      ['1.3.1', '2024-09-11'],
      ['1.3.0', '2024-09-03'],
    ]);
  });

  test('towncrier NEWS.rst: any adornment, overlined title, towncrier sections, PEP 440 pre-release', () => {
    const parsed = parseFixture('NEWS.rst');
    expect(parsed.format).toBe('rst');
    expect(parsed.entries.map((e) => [e.version, e.date, e.prerelease])).toEqual([
      ['2.1.0', '2026-03-04', false],
      ['2.0.1', '2026-01-15', false],
      ['2.0.0rc1', '2025-12-01', true],
    ]);
    expect(parsed.entries[0]?.sections).toEqual([
      { kind: 'added', title: 'Features' },
      { kind: 'fixed', title: 'Bugfixes' },
      { kind: 'other', title: 'Improved Documentation' },
      { kind: 'deprecated', title: 'Deprecations and Removals' },
    ]);
  });

  test('reStructuredText: versions inside links, month-name dates, "Bug fixes:" paragraphs, .post releases', () => {
    const parsed = parseFixture('CHANGES.rst');
    expect(parsed.entries.map((e) => [e.version, e.date, e.prerelease])).toEqual([
      ['1.16.0', '2026-07-15', false],
      ['1.15.2', '2026-07-01', false],
      ['1.15.1.post1', null, false],
      ['1.15.0a1', '2026-06-01', true],
    ]);
    expect(parsed.entries[0]?.title).toBe('1.16.0 - 2026-07-15');
    expect(parsed.entries[0]?.sections.map((s) => s.kind)).toEqual(['fixed', 'added']);
  });

  test('bold versions used throughout; a passing mention of 1.2.3 is not an entry', () => {
    expect(parseFixture('bold.md').entries.map((e) => [e.version, e.date])).toEqual([
      ['1.3.0', '2024-01-31'],
      ['1.2.10', '2023-12-02'],
      ['1.2.9', null],
    ]);
  });

  test('list-item versions used throughout', () => {
    expect(versions('list-items.md')).toEqual(['0.4.0', '0.3.1', '0.3.0']);
  });

  test('plain text: "Version x (date)" lines; day/month order learned from the file', () => {
    const parsed = parseFixture('CHANGES.txt');
    expect(parsed.format).toBe('text');
    expect(parsed.entries.map((e) => [e.version, e.date])).toEqual([
      ['3.2.0', '2024-01-31'],
      ['3.1.0', '2023-12-24'],
      ['3.0.0', '2023-11-03'],
    ]);
  });

  test('monorepo headings: pkg@x and pkg-vx are versions; "Upgrading to 2.0.0" is not', () => {
    const parsed = parseFixture('prefixed.md');
    expect(parsed.entries.map((e) => [e.version, e.yanked, e.unreleased])).toEqual([
      [null, false, true],
      ['2.0.0', false, false],
      ['1.9.1', false, false],
      ['1.9.0', true, false],
    ]);
    expect(parsed.entries[2]?.body).not.toContain('Read the guide');
  });

  test('monorepo root file: per-package sub-headings under a release are sections', () => {
    const parsed = parseFixture('monorepo.md');
    expect(parsed.entries.map((e) => e.version)).toEqual(['9.5.0', '9.4.0']);
    expect(parsed.entries[0]?.sections[0]).toEqual({ kind: 'other', title: '@mui/material@9.5.0' });
  });
});

describe('version matching', () => {
  const doc = '# Changelog\n\n## 1.2.30\n\n- a\n\n## 1.2.3-rc.1\n\n- b\n\n## 1.2.3a1\n\n- c\n';
  test('tokens have boundaries: 1.2.3 never matches 1.2.30, 1.2.3-rc.1 or 1.2.3a1', () => {
    const found = parseChangelog(doc, { fileName: 'CHANGELOG.md', html: false }).entries.map((e) => e.version);
    expect(found).toEqual(['1.2.30', '1.2.3-rc.1', '1.2.3a1']);
    expect(found).not.toContain('1.2.3');
  });

  test('known versions pick the registry token when a heading holds two', () => {
    const text = '# Log\n\n## 2024.01.31 (pkg 3.1.0)\n\n- x\n\n## 2023.12.01 (pkg 3.0.0)\n\n- y\n';
    const parsed = parseChangelog(text, { fileName: 'CHANGELOG.md', html: false, knownVersions: ['3.0.0', 'v3.1.0'] });
    expect(parsed.entries.map((e) => [e.version, e.date])).toEqual([
      ['3.1.0', '2024-01-31'],
      ['3.0.0', '2023-12-01'],
    ]);
  });

  test('known versions drop a heading style none of whose versions belong to the package', () => {
    const text = '## 1.0.0\n\n#### Requires 14.2.1 of the runtime\n\n## 0.9.0\n\n#### 99.1.0\n';
    const parsed = parseChangelog(text, { fileName: 'CHANGELOG.md', html: false, knownVersions: ['1.0.0', '0.9.0'] });
    expect(parsed.entries.map((e) => e.version)).toEqual(['1.0.0', '0.9.0']);
  });

  test('known versions drop headings that name another package at a version this one never had', () => {
    const text = '## pkg@2.0.0\n\n- a\n\n## other@7.1.0\n\n- b\n\n## pkg@1.0.0\n\n- c\n';
    const parsed = parseChangelog(text, { fileName: 'CHANGELOG.md', html: false, knownVersions: ['1.0.0', '2.0.0'] });
    expect(parsed.entries.map((e) => e.version)).toEqual(['2.0.0', '1.0.0']);
    expect(parsed.entries[0]?.body).toBe('- a');
  });

  test('a date right after a "Published"/"Released" label under the heading, in a longer line', () => {
    const text = [
      '## 0.6.0', '', 'Published to npm: 2021-04-17 16:41 UTC by @someone as `pkg` (with a note)', '', '- a', '',
      '## 0.5.0', '', '_Released on March 9th, 2021, after a long beta that ran for months_', '', '- b', '',
      '## 0.4.0', '', 'Released a long-awaited fix for the parser that broke on 2020-01-01 dates', '',
    ].join('\n');
    const parsed = parseChangelog(text, { fileName: 'CHANGELOG.md', html: false });
    expect(parsed.entries.map((e) => [e.version, e.date])).toEqual([
      ['0.6.0', '2021-04-17'],
      ['0.5.0', '2021-03-09'],
      ['0.4.0', null],
    ]);
  });

  test('maxEntries stops early', () => {
    const text = Array.from({ length: 50 }, (_, i) => `## 1.0.${50 - i}\n\n- x\n`).join('\n');
    expect(parseChangelog(text, { fileName: 'CHANGELOG.md', html: false, maxEntries: 5 }).entries).toHaveLength(5);
  });

  test('html is rendered by default and omitted when asked', () => {
    const text = '## 1.0.0\n\n- **bold** [docs](docs/a.md)\n';
    const withHtml = parseChangelog(text, { fileName: 'CHANGELOG.md', sourceUrl: 'https://example.com/o/r/blob/main/CHANGELOG.md' });
    expect(withHtml.entries[0]?.html).toContain('<strong>bold</strong>');
    expect(withHtml.entries[0]?.html).toContain('href="https://example.com/o/r/blob/main/docs/a.md"');
    expect(parseChangelog(text, { fileName: 'CHANGELOG.md', html: false }).entries[0]?.html).toBeNull();
  });

  test('link references defined at the bottom still render inside an entry', () => {
    const text = '## 1.0.0\n\n- fixed [#12]\n\n## 0.9.0\n\n- x\n\n[#12]: https://example.com/issues/12\n';
    const parsed = parseChangelog(text, { fileName: 'CHANGELOG.md' });
    expect(parsed.entries[0]?.html).toContain('href="https://example.com/issues/12"');
    expect(parsed.entries[1]?.body).toBe('- x');
  });
});
