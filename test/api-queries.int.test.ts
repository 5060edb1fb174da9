// Queries: search ranking and paging, changes between versions, crawl history paging, and the limits and
// validation that guard them.
import { MAX_CHANGELOGS_PER_REQUEST } from '../api/loaders';
import { recordRelease } from './support/releases';
import { startStack, type TestStack } from './support/stack';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

interface SearchPage {
  search: { edges: { cursor: string; match: string; node: { name: string; registry: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
}

const SEARCH = `query ($query: String!, $registry: Registry, $first: Int, $after: String) {
  search(query: $query, registry: $registry, first: $first, after: $after) {
    edges { cursor match node { registry name } }
    pageInfo { hasNextPage endCursor }
  }
}`;

async function search(variables: Record<string, unknown>) {
  const response = await stack.graphql<SearchPage>(SEARCH, variables);
  expect(response.errors).toBeUndefined();
  return response.data!.search;
}

describe('search', () => {
  beforeAll(async () => {
    await recordRelease(stack.pool, { registry: 'npm', name: 'fetch-retry-plus', version: '1.0.0', summary: 'Retries for fetch' });
    await recordRelease(stack.pool, { registry: 'npm', name: 'fetch', version: '2.0.0', summary: 'The fetch API' });
    await recordRelease(stack.pool, { registry: 'npm', name: 'fetcher', version: '1.0.0', summary: 'Fetches things' });
    await recordRelease(stack.pool, { registry: 'npm', name: 'axios-lite', version: '1.0.0', summary: 'A small HTTP client, like fetch with interceptors' });
    await recordRelease(stack.pool, {
      registry: 'npm',
      name: 'got-mini',
      version: '1.0.0',
      summary: 'HTTP requests',
      entries: [{ version: '1.0.0', title: '1.0.0', body: 'Now uses the native fetch when it is available.' }],
    });
    await recordRelease(stack.pool, { registry: 'pypi', name: 'requests-lite', version: '1.0', summary: 'HTTP for humans, without fetch' });
    await recordRelease(stack.pool, { registry: 'npm', name: 'unrelated', version: '1.0.0', summary: 'Nothing to see' });
    for (let i = 0; i < 25; i++) {
      await recordRelease(stack.pool, { registry: i % 2 ? 'npm' : 'rubygems', name: `toolkit-${String(i).padStart(2, '0')}`, version: '1.0.0', summary: `toolkit number ${i}` });
    }
  });

  test('ranks the exact name above prefixes above text matches in names, summaries and changelogs', async () => {
    const { edges } = await search({ query: 'fetch' });
    const names = edges.map((e) => e.node.name);
    expect(names[0]).toBe('fetch');
    expect(edges[0]!.match).toBe('EXACT');
    // Shorter names first among prefixes.
    expect(names.slice(1, 3)).toEqual(['fetcher', 'fetch-retry-plus']);
    expect(edges.slice(1, 3).map((e) => e.match)).toEqual(['PREFIX', 'PREFIX']);
    expect(new Set(names.slice(3))).toEqual(new Set(['axios-lite', 'got-mini', 'requests-lite']));
    expect(edges.slice(3).every((e) => e.match === 'TEXT')).toBe(true);
    // A summary match (weight B) ranks above a changelog-only match (weight C).
    expect(names.indexOf('axios-lite')).toBeLessThan(names.indexOf('got-mini'));
    expect(names).not.toContain('unrelated');
  });

  test('offers similar names only when nothing else matches', async () => {
    const { edges } = await search({ query: 'fetchh' });
    expect(edges[0]).toMatchObject({ match: 'SIMILAR', node: { name: 'fetch' } });
    expect(edges.every((e) => e.match === 'SIMILAR')).toBe(true);
    expect((await search({ query: 'fetc' })).edges.every((e) => e.match === 'PREFIX')).toBe(true);
  });

  test('filters by registry', async () => {
    const { edges } = await search({ query: 'fetch', registry: 'PYPI' });
    expect(edges.map((e) => e.node.name)).toEqual(['requests-lite']);
  });

  test('pages through every match once, in the order of one big page', async () => {
    const all = await search({ query: 'toolkit', first: 100 });
    expect(all.edges).toHaveLength(25);
    const paged: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: SearchPage['search'] = await search({ query: 'toolkit', first: 7, after });
      paged.push(...page.edges.map((e) => `${e.node.registry}:${e.node.name}`));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged).toEqual(all.edges.map((e) => `${e.node.registry}:${e.node.name}`));
    expect(new Set(paged).size).toBe(25);
  });

  test('refuses a page size over the cap, an empty query and a foreign cursor', async () => {
    for (const variables of [{ query: 'toolkit', first: 101 }, { query: '   ' }, { query: 'toolkit', after: 'bm9wZQ' }]) {
      const response = await stack.graphql(SEARCH, variables);
      expect(response.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('changes between two versions', () => {
  const CHANGES = `query ($registry: Registry!, $name: String!, $from: String, $to: String) {
    package(registry: $registry, name: $name) { changes(from: $from, to: $to) { version } }
  }`;

  async function changes(registry: string, name: string, from: string | null, to: string | null) {
    const response = await stack.graphql<{ package: { changes: { version: string }[] } }>(CHANGES, { registry, name, from, to });
    expect(response.errors).toBeUndefined();
    return response.data!.package.changes.map((e) => e.version);
  }

  test('orders and bounds npm entries by semver', async () => {
    await stack.npm.publish({
      name: 'semver-steps',
      version: '2.0.0',
      files: {
        'CHANGELOG.md': ['# Changelog', '## Unreleased', '- soon', ...['2.0.0', '1.10.0', '1.2.0', '1.2.0-beta.1', '1.1.0', '1.0.0'].map((v) => `## ${v}\n- release ${v}`)].join('\n\n'),
      },
    });
    const crawled = await stack.graphql<{ crawl: { workflowId: string } }>(`mutation { crawl(registry: NPM, name: "semver-steps", version: "2.0.0") { workflowId } }`);
    await expect(stack.temporal.workflow.getHandle(crawled.data!.crawl.workflowId).result()).resolves.toBe('found');

    // 1.10.0 is after 1.2.0 (not so as text), a prerelease before its release, `from` excluded, `to` included.
    expect(await changes('NPM', 'semver-steps', '1.1.0', '1.10.0')).toEqual(['1.10.0', '1.2.0', '1.2.0-beta.1']);
    expect(await changes('NPM', 'semver-steps', '1.2.0-beta.1', null)).toEqual(['2.0.0', '1.10.0', '1.2.0']);
    expect(await changes('NPM', 'semver-steps', null, '1.1.0')).toEqual(['1.1.0', '1.0.0']);
    const bad = await stack.graphql(CHANGES, { registry: 'NPM', name: 'semver-steps', from: 'yesterday' });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('orders and bounds PyPI entries by PEP 440', async () => {
    await recordRelease(stack.pool, {
      registry: 'pypi',
      name: 'pep-steps',
      version: '2.0',
      entries: ['2.0', '2.0rc1', '1.10', '1.9.post1', '1.9', '1.9b2', '1.9.dev1', '1.0'].map((version) => ({ version })),
    });
    expect(await changes('PYPI', 'pep-steps', '1.9', '2.0rc1')).toEqual(['2.0rc1', '1.10', '1.9.post1']);
    expect(await changes('PYPI', 'pep-steps', '1.0', '1.9')).toEqual(['1.9', '1.9b2', '1.9.dev1']);
    // PEP 440 normalisation: 2.0.0 is 2.0, 2.0c1 is 2.0rc1.
    expect(await changes('PYPI', 'pep-steps', '2.0c1', '2.0.0')).toEqual(['2.0']);
  });
});

describe('crawl history', () => {
  test('lists crawls newest first and pages without repeats', async () => {
    const CRAWLS = `query ($after: String) { crawls(first: 4, registry: NPM, after: $after) { edges { node { name version outcome runId startedAt duration } } pageInfo { hasNextPage endCursor } } }`;
    const { rows } = await stack.pool.query<{ name: string; version: string }>(`SELECT name, version FROM crawls WHERE registry = 'npm' ORDER BY position DESC`);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const response: { data?: { crawls: { edges: { node: { name: string; version: string; duration: number } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } } =
        await stack.graphql(CRAWLS, { after });
      seen.push(...response.data!.crawls.edges.map((e) => `${e.node.name}@${e.node.version}`));
      if (!response.data!.crawls.pageInfo.hasNextPage) break;
      after = response.data!.crawls.pageInfo.endCursor;
    }
    expect(seen).toEqual(rows.map((r) => `${r.name}@${r.version}`));
    expect(seen.length).toBeGreaterThan(4);
  });
});

describe('limits and validation', () => {
  test('an over-deep query is refused with DEPTH_LIMIT_EXCEEDED, a deep legitimate one is not', async () => {
    const legitimate = `{ search(query: "fetch") { edges { node { changelog { entries { sections { kind } } } } } } }`;
    expect((await stack.graphql(legitimate)).errors).toBeUndefined();
    const tooDeep = `{ crawls(first: 1) { edges { node { ...C } } } }
      fragment C on Crawl { package { crawls(first: 1) { edges { node { package { name } } } } } }`;
    const response = await stack.graphql(tooDeep);
    expect(response.data).toBeUndefined();
    expect(response.errors?.[0]?.extensions?.code).toBe('DEPTH_LIMIT_EXCEEDED');
  });

  test('too many aliases, too costly a query and too many tokens are refused with their codes', async () => {
    const aliases = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: package(registry: NPM, name: "fetch") { name }`).join(' ')} }`;
    expect((await stack.graphql(aliases)).errors?.[0]?.extensions?.code).toBe('ALIAS_LIMIT_EXCEEDED');
    // A page of 100 packages, each with its last 10 crawls.
    const costly = `{ search(query: "fetch", first: 100) { edges { node { crawls(first: 10) { edges { node { name version } } } } } } }`;
    expect((await stack.graphql(costly)).errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
    const wide = `{ search(query: "fetch", first: 100) { edges { cursor match node { registry name latestVersion summary changelog { fileName version } } } pageInfo { hasNextPage endCursor } } }`;
    expect((await stack.graphql(wide)).errors).toBeUndefined();
    const long = `{ ${'__typename '.repeat(1_000)} }`;
    const refused = await stack.graphql(long);
    expect(refused.data).toBeUndefined();
    expect(refused.errors?.[0]?.extensions?.code).toBe('TOKEN_LIMIT_EXCEEDED');
  });

  test(`changelog entries are read for at most ${MAX_CHANGELOGS_PER_REQUEST} packages per request`, async () => {
    for (let i = 0; i <= MAX_CHANGELOGS_PER_REQUEST; i++) {
      await recordRelease(stack.pool, { registry: 'npm', name: `entries-cap-${String(i).padStart(2, '0')}`, version: '1.0.0', entries: [{ version: '1.0.0', body: 'first' }] });
    }
    const ENTRIES = `query ($first: Int) { search(query: "entries-cap", first: $first) { edges { node { name changelog { entries { version } } } } } }`;
    const within = await stack.graphql<{ search: { edges: { node: { changelog: { entries: unknown[] } } }[] } }>(ENTRIES, { first: MAX_CHANGELOGS_PER_REQUEST });
    expect(within.errors).toBeUndefined();
    expect(within.data!.search.edges.map((e) => e.node.changelog.entries.length)).toEqual(Array(MAX_CHANGELOGS_PER_REQUEST).fill(1));
    const over = await stack.graphql(ENTRIES, { first: MAX_CHANGELOGS_PER_REQUEST + 1 });
    expect(over.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
  });

  test('introspection still works for tools', async () => {
    const { getIntrospectionQuery } = await import('graphql');
    const response = await stack.graphql<{ __schema: { queryType: { name: string } } }>(getIntrospectionQuery());
    expect(response.errors).toBeUndefined();
    expect(response.data!.__schema.queryType.name).toBe('Query');
  });

  test('arguments are validated: registry enum, name length', async () => {
    const unknownRegistry = await stack.graphql(`{ package(registry: CARGO, name: "serde") { name } }`);
    expect(unknownRegistry.errors?.[0]?.message).toMatch(/CARGO/);
    const longName = await stack.graphql(`query ($name: String!) { package(registry: NPM, name: $name) { name } }`, { name: 'x'.repeat(215) });
    expect(longName.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
