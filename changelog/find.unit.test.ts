import { chooseChangelog, isChangelogName } from './find';

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

  test('skips files under 100 bytes or over the cap', () => {
    expect(chooseChangelog([file('CHANGELOG.md', 87), file('HISTORY.md', 500)])?.path).toBe('HISTORY.md');
    expect(chooseChangelog([file('CHANGELOG.md', 6_000_000)])).toBeNull();
    expect(chooseChangelog([file('CHANGELOG.md', 6_000_000)], { maxBytes: 10_000_000 })?.path).toBe('CHANGELOG.md');
  });

  test('returns the caller’s own object', () => {
    const files = [{ path: 'CHANGES.md', size: 200, content: 'x' }];
    expect(chooseChangelog(files)).toBe(files[0]);
  });
});
