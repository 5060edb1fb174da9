import zlib from 'node:zlib';
import { readTar } from './archives';
import { type RubyGemsSimulator, startRubyGems } from './rubygems';

let gems: RubyGemsSimulator;
afterEach(async () => {
  await gems.close();
});

interface Item {
  name: string;
  version: string;
  version_created_at: string;
  gem_uri: string;
  changelog_uri: string | null;
  source_code_uri: string | null;
  metadata: Record<string, string>;
  sha: string;
}

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gems.url}${path}`);
  const raw = await response.text();
  return { status: response.status, body: (response.headers.get('content-type')?.includes('json') ? JSON.parse(raw) : raw) as T };
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();

describe('with no rate limit', () => {
  beforeEach(async () => {
    gems = await startRubyGems({ requestsPerSecond: null });
  });

  test('just_updated lists the 50 newest versions, newest first, with every documented field', async () => {
    for (let i = 0; i < 55; i++) await gems.publish({ name: `gem${i % 7}`, version: `1.0.${i}`, time: hoursAgo(60 - i) });
    const { body } = await getJson<Item[]>('/api/v1/activity/just_updated.json');
    expect(body).toHaveLength(50);
    expect(body[0]!.version).toBe('1.0.54');
    expect(body[49]!.version).toBe('1.0.5');
    for (const key of ['name', 'version', 'version_created_at', 'platform', 'authors', 'info', 'licenses', 'metadata', 'yanked', 'sha', 'project_uri', 'gem_uri', 'homepage_uri', 'source_code_uri', 'bug_tracker_uri', 'documentation_uri', 'changelog_uri', 'funding_uri', 'dependencies']) {
      expect(body[0]).toHaveProperty(key);
    }
  });

  test('latest lists the newest gems, each at its latest version', async () => {
    await gems.publish({ name: 'old', version: '1.0.0', time: hoursAgo(3) });
    await gems.publish({ name: 'new', version: '0.1.0', time: hoursAgo(2) });
    await gems.publish({ name: 'old', version: '1.1.0', time: hoursAgo(1) });
    const { body } = await getJson<Item[]>('/api/v1/activity/latest.json');
    expect(body.map((i) => [i.name, i.version])).toEqual([['new', '0.1.0'], ['old', '1.1.0']]);
  });

  test('timeframe_versions pages through a window, 30 a page, oldest first', async () => {
    for (let i = 0; i < 65; i++) await gems.publish({ name: 'busy', version: `2.0.${i}`, time: hoursAgo(70 - i) });
    const from = encodeURIComponent(hoursAgo(71));
    const to = encodeURIComponent(new Date().toISOString());
    const pages = await Promise.all([1, 2, 3, 4].map((p) => getJson<Item[]>(`/api/v1/timeframe_versions.json?from=${from}&to=${to}&page=${p}`)));
    expect(pages.map((p) => p.body.length)).toEqual([30, 30, 5, 0]);
    expect(pages[0]!.body[0]!.version).toBe('2.0.0');
    const narrow = await getJson<Item[]>(`/api/v1/timeframe_versions.json?from=${encodeURIComponent(hoursAgo(6.5))}`);
    // `to` defaults to now.
    expect(narrow.body.map((i) => i.version)).toEqual(['2.0.64']);
  });

  test.each([
    ['a window over 7 days', `from=2026-01-01T00:00:00Z&to=2026-01-08T00:00:01Z`, /cannot exceed 7 days/],
    ['a missing from', `to=2026-01-08T00:00:00Z`, /from parameter/],
    ['a from that is not ISO 8601', `from=yesterday`, /iso8601/],
    ['from after to', `from=2026-01-05T00:00:00Z&to=2026-01-04T00:00:00Z`, /before/],
  ])('timeframe_versions rejects %s with 400', async (_what, query, message) => {
    const { status, body } = await getJson<string>(`/api/v1/timeframe_versions.json?${query}`);
    expect(status).toBe(400);
    expect(body).toMatch(message);
  });

  test('a window of exactly 7 days is accepted', async () => {
    expect((await getJson('/api/v1/timeframe_versions.json?from=2026-01-01T00:00:00Z&to=2026-01-08T00:00:00Z')).status).toBe(200);
  });

  test('versions lists every version newest first; v2 gives one version with its links', async () => {
    await gems.publish({ name: 'rack-cache-lite', version: '1.0.0' });
    await gems.publish({
      name: 'rack-cache-lite',
      version: '1.1.0',
      sourceCodeUri: 'http://127.0.0.1:1/o/r',
      changelogUri: 'http://127.0.0.1:1/o/r/blob/v1.1.0/CHANGELOG.md',
    });
    const versions = await getJson<{ number: string }[]>('/api/v1/versions/rack-cache-lite.json');
    expect(versions.body.map((v) => v.number)).toEqual(['1.1.0', '1.0.0']);
    const one = await getJson<Item>('/api/v2/rubygems/rack-cache-lite/versions/1.1.0.json');
    expect(one.body).toMatchObject({
      name: 'rack-cache-lite',
      version: '1.1.0',
      changelog_uri: 'http://127.0.0.1:1/o/r/blob/v1.1.0/CHANGELOG.md',
      source_code_uri: 'http://127.0.0.1:1/o/r',
      metadata: { changelog_uri: 'http://127.0.0.1:1/o/r/blob/v1.1.0/CHANGELOG.md' },
      gem_uri: `${gems.url}/gems/rack-cache-lite-1.1.0.gem`,
    });
    expect((await getJson('/api/v1/versions/nope.json')).status).toBe(404);
    expect((await getJson('/api/v2/rubygems/rack-cache-lite/versions/9.0.0.json')).status).toBe(404);
  });

  test('a .gem is a plain tar of metadata.gz, data.tar.gz (no top folder) and checksums.yaml.gz', async () => {
    await gems.publish({ name: 'shiny', version: '0.2.0', files: { 'CHANGELOG.md': '## 0.2.0\n', 'lib/shiny.rb': 'module Shiny; end\n' } });
    const item = (await getJson<Item>('/api/v2/rubygems/shiny/versions/0.2.0.json')).body;
    const gem = Buffer.from(await (await fetch(item.gem_uri)).arrayBuffer());
    expect(gem.subarray(0, 2)).not.toEqual(Buffer.from([0x1f, 0x8b]));
    const outer = await readTar(gem);
    expect([...outer.keys()]).toEqual(['metadata.gz', 'data.tar.gz', 'checksums.yaml.gz']);
    expect(zlib.gunzipSync(outer.get('metadata.gz')!).toString()).toMatch(/^--- !ruby\/object:Gem::Specification\nname: shiny\n/);
    const data = await readTar(outer.get('data.tar.gz')!);
    expect([...data.keys()]).toEqual(['CHANGELOG.md', 'lib/shiny.rb']);
    expect(zlib.gunzipSync(outer.get('checksums.yaml.gz')!).toString()).toContain('data.tar.gz:');
    await expect(gems.publish({ name: 'shiny', version: '0.2.0' })).rejects.toThrow(/Repushing/);
  });

  test('a yanked version leaves the activity and version lists', async () => {
    await gems.publish({ name: 'oops', version: '1.0.0' });
    await gems.publish({ name: 'oops', version: '1.0.1' });
    gems.yank('oops', '1.0.1');
    expect((await getJson<Item[]>('/api/v1/activity/just_updated.json')).body.map((i) => i.version)).toEqual(['1.0.0']);
    expect((await getJson<{ number: string }[]>('/api/v1/versions/oops.json')).body.map((v) => v.number)).toEqual(['1.0.0']);
  });

  test('injected 429 and 500 answers carry what was asked', async () => {
    gems.failNext('/api/v1/activity/just_updated.json', 429, { retryAfter: 5 });
    gems.failNext(/^\/gems\//, 500);
    const limited = await fetch(`${gems.url}/api/v1/activity/just_updated.json`);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '5']);
    expect((await fetch(`${gems.url}/gems/x-1.0.0.gem`)).status).toBe(500);
    expect((await fetch(`${gems.url}/api/v1/activity/just_updated.json`)).status).toBe(200);
  });
});

test('more than 10 API requests in a second get 429 with Retry-After', async () => {
  gems = await startRubyGems();
  const responses = await Promise.all(Array.from({ length: 12 }, () => fetch(`${gems.url}/api/v1/activity/just_updated.json`)));
  const statuses = responses.map((r) => r.status);
  expect(statuses.filter((s) => s === 200)).toHaveLength(10);
  expect(statuses.filter((s) => s === 429)).toHaveLength(2);
  for (const limited of responses.filter((r) => r.status === 429)) {
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  }
  // Gem downloads are not API calls: never limited.
  expect((await fetch(`${gems.url}/gems/none-1.0.0.gem`)).status).toBe(404);
  expect(gems.hits('/api/v1/activity/just_updated.json')).toBe(12);
});
