import type { CrawlRow } from '../resolvers/crawls';
import type { EntryRow, PackageRow } from '../resolvers/package';
import { changesPage, entryAnchors, homePage, notFoundPackagePage, packagePage } from './templates';

const pkg: PackageRow = {
  registry: 'npm', name: '@evil/<pkg>', latest_version: '2.0.0', summary: '"><script>alert(1)</script>',
  changelog_version: '2.0.0', changelog_file: 'CHANGELOG.md', changelog_source_url: null, changelog_format: 'markdown',
};
const entry = (version: string | null, kinds: string[] = []): EntryRow => ({
  version, date: '2026-01-02', title: version ?? 'Unreleased', body: '', html: `<p>about ${version}</p>`,
  sections: kinds.map((kind) => ({ kind, title: kind })), unreleased: version === null, yanked: false, prerelease: false,
});
const crawl: CrawlRow = {
  workflow_id: 'crawl:npm:@evil/<pkg>@2.0.0', run_id: 'run"1', registry: 'npm', name: '@evil/<pkg>', version: '2.0.0', outcome: 'rejected',
  started_at: new Date('2026-01-02T03:04:00Z'), finished_at: new Date('2026-01-02T03:04:05Z'), error: '<b>too large</b>', position: '7',
};

describe('page templates', () => {
  test('escape everything read from the database but the sanitized changelog HTML', () => {
    const page = packagePage({ pkg, entries: [entry('2.0.0')], crawls: [crawl], ui: { url: 'http://ui', namespace: 'default' }, streamCursor: 'c' }).text;
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<pkg>');
    expect(page).not.toContain('<b>too large</b>');
    expect(page).toContain('&lt;b&gt;too large&lt;/b&gt;');
    expect(page).toContain('<p>about 2.0.0</p>');
    expect(page).toContain('href="http://ui/namespaces/default/workflows/crawl%3Anpm%3A%40evil%2F%3Cpkg%3E%402.0.0/run%221/history"');
    expect(page).toContain('<time datetime="2026-01-02T03:04:05.000Z">2026-01-02 03:04 UTC</time>');
    expect(page.match(/<script/g)).toHaveLength(1);
  });

  test('show workflow ids without links when the Temporal UI is unknown', () => {
    const page = packagePage({ pkg, entries: [], crawls: [crawl], ui: { url: null, namespace: 'default' }, streamCursor: 'c' }).text;
    expect(page).toContain('<code>crawl:npm:@evil/&lt;pkg&gt;@2.0.0</code>');
  });

  test('give each entry a v<version> anchor, repeated versions a suffix', () => {
    expect(entryAnchors([entry(null), entry('1.0.0'), entry('1.0.0'), entry('v0.9')])).toEqual(['unreleased', 'v1.0.0', 'v1.0.0-2', 'v0.9']);
  });

  test('mark breaking and security entries on the changes page', () => {
    const page = changesPage({ pkg, versions: ['2.0.0', '1.0.0'], from: '1.0.0', to: '', entries: [entry('2.0.0', ['breaking', 'security']), entry('1.5.0', ['added'])], error: null }).text;
    expect(page).toContain('Breaking changes in:</strong> <a href="#v2.0.0">2.0.0</a>');
    expect(page).toContain('Security fixes in:</strong> <a href="#v2.0.0">2.0.0</a>');
    expect(page).toContain('class="badge section-breaking"');
    expect(page).toContain('2 entries after 1.0.0, up to the latest');
  });

  test('the front page keeps a fixed number of stream rows', () => {
    const page = homePage({ query: '', registry: null, results: null, nextHref: null, crawls: [crawl], streamRows: 5, streamCursor: 'c' }).text;
    expect(page.match(/<li data-workflow=/g)).toHaveLength(1);
    expect(page.match(/<li class="empty" aria-hidden="true"><\/li>/g)).toHaveLength(4);
  });

  test('the 404 page names the CLI command and posts the crawl form with the token', () => {
    const page = notFoundPackagePage({ registry: 'pypi', name: 'some-lib' }).text;
    expect(page).toContain('<code>npx changelogs crawl pypi some-lib</code>');
    expect(page).toContain('<form action="/pypi/some-lib/crawl" method="post"');
    expect(page).toContain('type="password"');
  });
});
