import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { changelogCandidates, chooseChangelog, isChangelogName } from './find';
import { parseChangelog } from './parse';

const file = (path: string, size = 1000) => ({ path, size });

describe('chooseChangelog', () => {
  test('earlier names win, then markdown over reStructuredText over text', () => {
    expect(chooseChangelog([file('HISTORY.md'), file('CHANGES.rst'), file('README.md')])?.path).toBe('CHANGES.rst');
    expect(chooseChangelog([file('CHANGELOG.txt'), file('CHANGELOG.rst'), file('CHANGELOG.md')])?.path).toBe('CHANGELOG.md');
    expect(chooseChangelog([file('NEWS'), file('NEWS.rst')])?.path).toBe('NEWS.rst');
  });

  test('accepts spelling variants and any case', () => {
    for (const name of ['Change_Log.md', 'change-log.markdown', 'release-notes.md', 'RELEASE_NOTES.adoc', 'WhatsNew.mkd', 'History', 'updates.txt'])
      expect(isChangelogName(name)).toBe(true);
  });

  test('anchors the name at the start and only looks at root files', () => {
    for (const name of ['devdocs/making_a_new_release.md', '.releaserc', 'docs/CHANGELOG.md', 'OLD_CHANGELOG.md', 'CHANGELOG.md.bak', 'changelog.js', 'CHANGELOG.old.md'])
      expect(isChangelogName(name)).toBe(false);
  });

  test('size decides nothing but the cap', () => {
    expect(chooseChangelog([file('CHANGELOG.md', 83), file('HISTORY.md', 500)])?.path).toBe('CHANGELOG.md');
    expect(chooseChangelog([file('CHANGELOG.md', 6_000_000)])).toBeNull();
    expect(chooseChangelog([file('CHANGELOG.md', 6_000_000)], { maxBytes: 10_000_000 })?.path).toBe('CHANGELOG.md');
  });

  test('candidates come best first, for their content to decide', () => {
    const files = [file('NEWS'), file('README.md'), file('HISTORY.md', 10), file('CHANGELOG.rst'), file('CHANGELOG.md', 7_000_000)];
    expect(changelogCandidates(files).map((f) => f.path)).toEqual(['CHANGELOG.rst', 'HISTORY.md', 'NEWS']);
  });

  test('returns the caller’s own object', () => {
    const files = [{ path: 'CHANGES.md', size: 200, content: 'x' }];
    expect(chooseChangelog(files)).toBe(files[0]);
  });
});

describe('a changelog under 100 bytes', () => {
  test('is chosen and parsed: 83 bytes, two releases', () => {
    const tiny = readFileSync(join(__dirname, 'fixtures', 'tiny.md'));
    expect(tiny.length).toBe(83);
    expect(chooseChangelog([{ path: 'CHANGELOG.md', size: tiny.length }, file('HISTORY.md')])?.path).toBe('CHANGELOG.md');
    const parsed = parseChangelog(tiny.toString('utf8'), { fileName: 'CHANGELOG.md', html: false });
    expect(parsed.entries.map((e) => [e.version, e.date])).toEqual([
      ['1.0.0', '2024-01-02'],
      ['0.9.0', '2023-12-01'],
    ]);
  });
});
