import { rawUrlOfBlobLink, releasesAsMarkdown, repoOf } from './github';
import { repositoryWebUrl, versionsSinceTime } from './npm';
import { normalizeLabel, normalizeProjectName, parseUpdatesRss, projectUrl } from './pypi';

const forge = { webUrl: 'https://forge.example', rawUrl: 'https://raw.forge.example' };

describe('forge links', () => {
  test('recognise repositories on the configured forge only', () => {
    expect(repoOf('https://forge.example/acme/widget.git', forge)).toEqual({ owner: 'acme', repo: 'widget' });
    expect(repoOf('git+https://forge.example/acme/widget', forge)).toEqual({ owner: 'acme', repo: 'widget' });
    expect(repoOf('github:acme/widget', forge)).toEqual({ owner: 'acme', repo: 'widget' });
    expect(repoOf('https://elsewhere.example/acme/widget', forge)).toBeNull();
  });

  test('turn a blob link into a raw file URL', () => {
    expect(rawUrlOfBlobLink('https://forge.example/acme/widget/blob/main/docs/CHANGELOG.md#v2', forge)).toBe(
      'https://raw.forge.example/acme/widget/main/docs/CHANGELOG.md',
    );
    expect(rawUrlOfBlobLink('https://forge.example/acme/widget/releases', forge)).toBeNull();
  });

  test('release notes become one markdown changelog, newest first', () => {
    const text = releasesAsMarkdown([
      { tag_name: 'v2.0.0', name: 'Two', body: 'Big change', published_at: '2026-02-01T10:00:00Z', prerelease: false, draft: false },
      { tag_name: 'v1.0.0', name: null, body: null, published_at: null, prerelease: false, draft: false },
    ]);
    expect(text).toBe('## v2.0.0 (2026-02-01)\n\nBig change\n\n## v1.0.0\n\n\n');
  });
});

describe('npm', () => {
  test('repository fields become web URLs with the monorepo directory', () => {
    expect(repositoryWebUrl({ type: 'git', url: 'git+https://forge.example/acme/mono.git', directory: 'packages/widget/' })).toEqual({
      url: 'https://forge.example/acme/mono',
      directory: 'packages/widget',
    });
    expect(repositoryWebUrl('git@forge.example:acme/widget.git')).toEqual({ url: 'https://forge.example/acme/widget', directory: null });
    expect(repositoryWebUrl('acme/widget')).toEqual({ url: 'github:acme/widget', directory: null });
  });

  test('versionsSinceTime lists versions published after a time, oldest first', () => {
    const packument = {
      name: 'p',
      versions: { '1.0.0': {}, '1.1.0': {}, '2.0.0': {} },
      time: { created: '2020-01-01T00:00:00Z', modified: '2026-03-01T00:00:00Z', '1.0.0': '2020-01-01T00:00:00Z', '2.0.0': '2026-03-01T00:00:00Z', '1.1.0': '2026-02-01T00:00:00Z' },
    } as never;
    expect(versionsSinceTime(packument, '2026-01-01T00:00:00Z')).toEqual(['1.1.0', '2.0.0']);
  });
});

describe('pypi', () => {
  test('names and labels are normalised per PEP 503 and PEP 753', () => {
    expect(normalizeProjectName('Zope.Interface__Extra')).toBe('zope-interface-extra');
    expect(normalizeLabel("What's New")).toBe('whatsnew');
    expect(projectUrl({ 'Release Notes': 'https://a.example/notes', Changelog: 'https://a.example/cl' }, ['changelog', 'releasenotes'])).toBe('https://a.example/cl');
  });

  test('the updates feed yields name, version and time', () => {
    const rss = `<?xml version="1.0"?><rss version="2.0"><channel><title>updates</title>
      <item><title>requests-toolbelt 1.0.1</title><link>x</link><pubDate>Sat, 28 Nov 2026 10:00:00 GMT</pubDate></item>
      <item><title>single</title></item>
      </channel></rss>`;
    expect(parseUpdatesRss(rss)).toEqual([{ name: 'requests-toolbelt', version: '1.0.1', publishedAt: '2026-11-28T10:00:00.000Z' }]);
  });

  test('a feed that is not RSS is a bad response, not a crash', () => {
    expect(() => parseUpdatesRss('<html><body>maintenance</body></html>')).toThrow(/no RSS channel/);
  });
});
