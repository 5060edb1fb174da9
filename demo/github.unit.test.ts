import { type GitHubSimulator, startGitHub } from './github';

let github: GitHubSimulator;
afterEach(async () => {
  await github.close();
});

async function api(path: string, token?: string): Promise<Response> {
  return fetch(`${github.apiUrl}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

describe('contents, raw files, releases', () => {
  beforeEach(async () => {
    github = await startGitHub({ unauthenticatedLimit: 1000 });
    github.createRepo('Octo/Widgets', { files: { 'README.md': '# widgets\n', 'CHANGELOG.md': '## 1.0.0\n', 'packages/core/CHANGES.md': '## 0.1.0\n' } });
    github.commit('Octo/Widgets', { 'CHANGELOG.md': '## 1.1.0\n\n## 1.0.0\n' }, { tags: ['v1.1.0'] });
    github.commit('Octo/Widgets', { 'CHANGELOG.md': '## 2.0.0-dev\n' });
  });

  test('the repository reports its default branch', async () => {
    const body = (await (await api('/repos/octo/widgets')).json()) as { default_branch: string; full_name: string };
    expect(body).toMatchObject({ default_branch: 'main', full_name: 'Octo/Widgets' });
    expect((await api('/repos/octo/nothing')).status).toBe(404);
  });

  test('a directory lists entries with type, name, path, sha, size and download_url', async () => {
    const entries = (await (await api('/repos/Octo/Widgets/contents/?ref=v1.1.0')).json()) as Record<string, unknown>[];
    expect(entries.map((e) => [e.type, e.name, e.path])).toEqual([
      ['file', 'CHANGELOG.md', 'CHANGELOG.md'],
      ['file', 'README.md', 'README.md'],
      ['dir', 'packages', 'packages'],
    ]);
    expect(entries[0]).toMatchObject({ sha: expect.stringMatching(/^[0-9a-f]{40}$/), size: 19, download_url: `${github.rawUrl}/Octo/Widgets/v1.1.0/CHANGELOG.md` });
    expect(entries[2]!.download_url).toBeNull();
    const nested = (await (await api('/repos/Octo/Widgets/contents/packages/core')).json()) as { path: string }[];
    expect(nested.map((e) => e.path)).toEqual(['packages/core/CHANGES.md']);
  });

  test('a file comes base64-encoded, at the ref asked for or the default branch', async () => {
    const atTag = (await (await api('/repos/Octo/Widgets/contents/CHANGELOG.md?ref=v1.1.0')).json()) as { type: string; encoding: string; content: string };
    expect(atTag.type).toBe('file');
    expect(atTag.encoding).toBe('base64');
    expect(Buffer.from(atTag.content, 'base64').toString()).toBe('## 1.1.0\n\n## 1.0.0\n');
    const onMain = (await (await api('/repos/Octo/Widgets/contents/CHANGELOG.md')).json()) as { content: string };
    expect(Buffer.from(onMain.content, 'base64').toString()).toBe('## 2.0.0-dev\n');
    expect((await api('/repos/Octo/Widgets/contents/NEWS.md')).status).toBe(404);
    expect((await api('/repos/Octo/Widgets/contents/CHANGELOG.md?ref=v9')).status).toBe(404);
  });

  test('raw serves bytes by ref and path', async () => {
    const raw = await fetch(`${github.rawUrl}/Octo/Widgets/v1.1.0/CHANGELOG.md`);
    expect(await raw.text()).toBe('## 1.1.0\n\n## 1.0.0\n');
    expect(await (await fetch(`${github.rawUrl}/octo/widgets/main/packages/core/CHANGES.md`)).text()).toBe('## 0.1.0\n');
    expect((await fetch(`${github.rawUrl}/Octo/Widgets/main/NOPE.md`)).status).toBe(404);
  });

  test('web pages exist for the repository, its files and its releases', async () => {
    expect((await fetch(`${github.webUrl}/Octo/Widgets`)).status).toBe(200);
    expect((await fetch(`${github.webUrl}/Octo/Widgets/blob/v1.1.0/CHANGELOG.md`)).status).toBe(200);
    expect((await fetch(`${github.webUrl}/Octo/Widgets/releases`)).status).toBe(200);
    expect((await fetch(`${github.webUrl}/Octo/Widgets/blob/v1.1.0/NOPE.md`)).status).toBe(404);
  });

  test('releases come newest first, paginated with per_page/page and a Link header', async () => {
    for (let i = 1; i <= 5; i++) {
      github.addRelease('Octo/Widgets', { tag_name: `v1.${i}.0`, body: `Notes ${i}`, published_at: `2026-0${i}-01T00:00:00Z`, prerelease: i === 5 });
    }
    const first = await api('/repos/Octo/Widgets/releases?per_page=2&page=1');
    const page = (await first.json()) as { tag_name: string; name: string; body: string; published_at: string; prerelease: boolean; draft: boolean }[];
    expect(page.map((r) => r.tag_name)).toEqual(['v1.5.0', 'v1.4.0']);
    expect(page[0]).toMatchObject({ name: 'v1.5.0', body: 'Notes 5', published_at: '2026-05-01T00:00:00Z', prerelease: true, draft: false });
    expect(first.headers.get('link')).toContain(`<${github.apiUrl}/repos/Octo/Widgets/releases?per_page=2&page=2>; rel="next"`);
    const last = (await (await api('/repos/Octo/Widgets/releases?per_page=2&page=3')).json()) as { tag_name: string }[];
    expect(last.map((r) => r.tag_name)).toEqual(['v1.1.0']);
  });

  test('the latest release skips prereleases and drafts; a release is found by tag; drafts need a token', async () => {
    github.addRelease('Octo/Widgets', { tag_name: 'v1.0.0', body: 'one', published_at: '2026-01-01T00:00:00Z' });
    github.addRelease('Octo/Widgets', { tag_name: 'v2.0.0-rc.1', body: 'rc', published_at: '2026-02-01T00:00:00Z', prerelease: true });
    github.addRelease('Octo/Widgets', { tag_name: 'v2.0.0', body: 'draft', draft: true });
    expect(((await (await api('/repos/Octo/Widgets/releases/latest')).json()) as { tag_name: string }).tag_name).toBe('v1.0.0');
    expect(((await (await api('/repos/Octo/Widgets/releases/tags/v2.0.0-rc.1')).json()) as { body: string }).body).toBe('rc');
    expect((await api('/repos/Octo/Widgets/releases/tags/v9')).status).toBe(404);
    const anonymous = (await (await api('/repos/Octo/Widgets/releases')).json()) as { tag_name: string }[];
    const authed = (await (await api('/repos/Octo/Widgets/releases', 'tok')).json()) as { tag_name: string; published_at: string | null }[];
    expect(anonymous).toHaveLength(2);
    expect(authed).toHaveLength(3);
    expect(authed.find((r) => r.tag_name === 'v2.0.0')!.published_at).toBeNull();
  });
});

describe('rate limits', () => {
  test('every API response carries x-ratelimit headers; the 61st unauthenticated call is a 403', async () => {
    github = await startGitHub();
    github.createRepo('o/r');
    let response = await api('/repos/o/r');
    expect(response.headers.get('x-ratelimit-limit')).toBe('60');
    expect(response.headers.get('x-ratelimit-remaining')).toBe('59');
    expect(response.headers.get('x-ratelimit-used')).toBe('1');
    expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    for (let i = 0; i < 59; i++) response = await api('/repos/o/r/releases');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
    const refused = await api('/repos/o/r');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(((await refused.json()) as { message: string }).message).toMatch(/rate limit exceeded/);
    // A token has its own, larger budget.
    const authed = await api('/repos/o/r', 'ghp_test');
    expect([authed.status, authed.headers.get('x-ratelimit-limit'), authed.headers.get('x-ratelimit-remaining')]).toEqual([200, '5000', '4999']);
  });

  test('budgets are configurable, `token` works as well as Bearer, and the window resets', async () => {
    github = await startGitHub({ unauthenticatedLimit: 2, authenticatedLimit: 3, windowMs: 200 });
    github.createRepo('o/r');
    github.exhaustRateLimit('t1');
    const exhausted = await fetch(`${github.apiUrl}/repos/o/r`, { headers: { authorization: 'token t1' } });
    expect([exhausted.status, exhausted.headers.get('x-ratelimit-limit')]).toEqual([403, '3']);
    expect(github.rateLimit().remaining).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await fetch(`${github.apiUrl}/repos/o/r`, { headers: { authorization: 'token t1' } })).status).toBe(200);
    const state = (await (await api('/rate_limit')).json()) as { resources: { core: { limit: number; remaining: number } } };
    expect(state.resources.core).toMatchObject({ limit: 2, remaining: 2 });
  });

  test('unknown tokens are refused when tokens are configured', async () => {
    github = await startGitHub({ tokens: ['good'] });
    github.createRepo('o/r');
    expect((await api('/repos/o/r', 'bad')).status).toBe(401);
    expect((await api('/repos/o/r', 'good')).status).toBe(200);
  });

  test('a secondary rate limit answers 429 (or 403) with retry-after and the rate headers', async () => {
    github = await startGitHub();
    github.createRepo('o/r');
    github.secondaryLimitNext({ status: 429, retryAfter: 30 });
    const limited = await api('/repos/o/r');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '30']);
    expect(limited.headers.get('x-ratelimit-remaining')).not.toBeNull();
    expect((await api('/repos/o/r')).status).toBe(200);
    github.raw.failNext(/CHANGELOG/, 500);
    expect((await fetch(`${github.rawUrl}/o/r/main/CHANGELOG.md`)).status).toBe(500);
  });
});
