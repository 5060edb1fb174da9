// The API's HTTP server: security headers on every response, the web page's files and nothing else,
// health, readiness and metrics, and how GraphQL reads are batched and cached.
import http from 'node:http';
import { Client, Connection } from '@temporalio/client';
import type { Pool } from 'pg';
import type { ApiDeps } from '../api/context';
import { createApi } from '../api/graphql';
import { createLiveStreams } from '../api/liveStreams';
import { createApiMetrics } from '../api/metrics';
import { startApi } from '../api/server';
import { startLogFollower } from '../eventStore/followLog';
import { recordRelease } from './support/releases';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';

let stack: TestStack;
let base: string;
beforeAll(async () => {
  stack = await startStack({ crawlWorker: false, orchestrationWorker: false });
  base = stack.api.url.replace(/\/graphql$/, '');
});
afterAll(async () => {
  await stack?.stop();
});

/** A request exactly as written: fetch would normalise `..` in the path before sending it. */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: stack.api.port, path, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('security headers', () => {
  const expectSecurityHeaders = (headers: Headers | http.IncomingHttpHeaders, what: string) => {
    const get = (name: string) => (headers instanceof Headers ? headers.get(name) : (headers[name] as string | undefined)) ?? undefined;
    const csp = get('content-security-policy');
    expect({ what, csp }).toEqual({ what, csp: expect.stringContaining("script-src 'self'") });
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src-attr 'none'");
    expect({ what, nosniff: get('x-content-type-options'), frame: get('x-frame-options'), referrer: get('referrer-policy'), coop: get('cross-origin-opener-policy') }).toEqual({
      what,
      nosniff: 'nosniff',
      frame: 'DENY',
      referrer: 'no-referrer',
      coop: 'same-origin',
    });
    expect(get('permissions-policy')).toContain('camera=()');
  };

  test('are on every response: the page, its files, GraphQL results and errors, health, metrics, 404s', async () => {
    const post = (body: string, headers: Record<string, string> = {}) => fetch(stack.api.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const responses: [string, Response, number][] = [
      ['the page', await fetch(`${base}/`), 200],
      ['the script', await fetch(`${base}/app.js`), 200],
      ['a query', await post('{"query":"{ __typename }"}'), 200],
      ['a malformed body', await post('{"query":'), 400],
      ['a query refused by a limit', await post(JSON.stringify({ query: `{ ${'__typename '.repeat(1_000)} }` })), 200],
      ['a subscription as server-sent events', await post('{"query":"subscription { crawls { cursor } }"}', { accept: 'text/event-stream' }), 200],
      ['GraphQL without a query', await fetch(stack.api.url, { headers: { accept: 'application/graphql-response+json' } }), 400],
      ['GraphQL asked for by a browser', await fetch(stack.api.url, { headers: { accept: 'text/html' } }), 406],
      ['/healthz', await fetch(`${base}/healthz`), 200],
      ['/readyz', await fetch(`${base}/readyz`), 200],
      ['/metrics', await fetch(`${base}/metrics`), 200],
      ['an unknown path', await fetch(`${base}/wp-admin`), 404],
      ['a POST to the page', await fetch(`${base}/`, { method: 'POST', body: 'x' }), 404],
    ];
    for (const [what, response, status] of responses) {
      expect({ what, status: response.status }).toEqual({ what, status });
      expectSecurityHeaders(response.headers, what);
      await response.body?.cancel();
    }
  });

  test('the page has no inline script or style for the policy to allow', async () => {
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toMatch(/<script src="\/app\.js" defer><\/script>/);
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });
});

describe('static files', () => {
  test('serves web/ files with their content types', async () => {
    for (const [path, type] of [['/', 'text/html'], ['/app.js', 'text/javascript'], ['/style.css', 'text/css']]) {
      const response = await rawGet(path!);
      expect({ path, status: response.status, type: response.headers['content-type'] }).toEqual({ path, status: 200, type: expect.stringContaining(type!) });
    }
    const first = await rawGet('/app.js');
    const again = await rawGet('/app.js', { 'if-none-match': first.headers.etag! });
    expect(again.status).toBe(304);
  });

  test('nothing outside web/ can be reached, however the path is spelt', async () => {
    for (const path of ['/../package.json', '/..%2fpackage.json', '/%2e%2e/package.json', '/%2e%2e%2fapi%2fserver.ts', '/web/index.html', '/index.html', '//etc/passwd',
      '/..\\package.json', '/./app.js/../../package.json', '/.%00/app.js', '/schema.graphql', '/api/schema.graphql', 'http://[']) {
      const response = await rawGet(path);
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
      expect(response.body).not.toContain('"dependencies"');
    }
  });
});

describe('health, readiness and metrics', () => {
  test('/healthz says the process is alive; /readyz checks Postgres, the log follower and Temporal', async () => {
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'alive' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', logFollower: 'ok', temporal: 'ok' } });
  });

  test('/readyz answers 503 and names the check that failed when Temporal cannot be reached', async () => {
    // Nothing listens on port 1; a lazy connection fails only when used.
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }), namespace: stack.config.temporal.namespace });
    const api = await startApi({ config: stack.config, pool: stack.pool, temporal: unreachable, taskQueue: 'unused' }, 0);
    try {
      const response = await fetch(api.url.replace(/\/graphql$/, '/readyz'));
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; checks: Record<string, string> };
      expect(body).toMatchObject({ status: 'not ready', checks: { postgres: 'ok', logFollower: 'ok' } });
      expect(body.checks.temporal).not.toBe('ok');
      expect((await fetch(api.url.replace(/\/graphql$/, '/healthz'))).status).toBe(200);
    } finally {
      await api.close(1_000);
      await unreachable.connection.close().catch(() => undefined);
    }
  });

  test('/metrics counts requests by route and status, live-stream subscribers and search latency', async () => {
    const metric = async (line: RegExp) => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const match = text.split('\n').find((l) => line.test(l));
      return match === undefined ? undefined : Number(match.split(' ').at(-1));
    };
    await recordRelease(stack.pool, { registry: 'npm', name: 'gauge-counter', version: '1.0.0' });
    await stack.graphql('{ search(query: "metrics-probe") { edges { cursor } } }');
    await fetch(`${base}/no-such-page`);
    expect(await metric(/^changelogs_api_http_request_duration_seconds_count\{method="POST",route="graphql",status="200"\}/)).toBeGreaterThanOrEqual(1);
    expect(await metric(/^changelogs_api_http_request_duration_seconds_count\{method="GET",route="not_found",status="404"\}/)).toBeGreaterThanOrEqual(1);
    expect(await metric(/^changelogs_api_search_duration_seconds_count /)).toBeGreaterThanOrEqual(1);
    const searches = async () => ((await metric(/^changelogs_api_searches_total\{by="index"\}/)) ?? 0) + ((await metric(/^changelogs_api_searches_total\{by="sql"\}/)) ?? 0);
    expect(await searches()).toBeGreaterThanOrEqual(1);
    // The stack's API searches through the in-memory index once it has loaded the packages.
    await waitFor('the search index to load', async () => ((await metric(/^changelogs_api_search_index_packages /)) ?? 0) > 0 || undefined, 10_000);
    const windowSearches = async () =>
      ((await metric(/^changelogs_api_search_windows_total\{result="hit"\}/)) ?? 0) + ((await metric(/^changelogs_api_search_windows_total\{result="miss"\}/)) ?? 0);
    const before = await windowSearches();
    expect(before).toBeGreaterThanOrEqual(1);
    await stack.graphql('{ search(query: "metrics-probe", first: 3) { edges { cursor } } }');
    expect(await windowSearches()).toBe(before + 1);
    expect(await metric(/^graphql_envelop_request\{operationType="query"\}/)).toBeGreaterThanOrEqual(1);
    expect(await metric(/^graphql_envelop_request_duration_count\{operationType="query"\}/)).toBeGreaterThanOrEqual(1);
    expect(await metric(/^process_cpu_user_seconds_total /)).toBeGreaterThan(0);

    const controller = new AbortController();
    const stream = await fetch(stack.api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { crawls { cursor } }' }),
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const subscribers = () => metric(/^changelogs_api_stream_subscribers /);
    const open = await waitFor('the subscriber to be counted', async () => {
      const count = await subscribers();
      return count !== undefined && count >= 1 ? count : undefined;
    }, 10_000);
    controller.abort();
    await waitFor('the subscriber to be let go', async () => ((await subscribers()) === open - 1 ? true : undefined), 10_000);
  });
});

/**
 * The API's GraphQL handler in this process, on a pool that notes every statement it runs. Searches go to the SQL
 * statement (behind the search windows) unless told otherwise: the index's load would count among the statements.
 */
async function inProcessApi(options: Parameters<typeof createApi>[1] = {}) {
  const statements: string[] = [];
  const pool = new Proxy(stack.pool, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver);
      return (...args: Parameters<Pool['query']>) => {
        const [first] = args as unknown[];
        statements.push(typeof first === 'string' ? first : (first as { text: string }).text);
        return (target.query as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const follower = startLogFollower({ pool: stack.pool, connectionString: stack.config.databaseUrl });
  await follower.ready();
  const metrics = createApiMetrics();
  const deps: ApiDeps = { config: stack.config, pool, temporal: stack.temporal, taskQueue: stack.config.temporal.taskQueue };
  const yoga = createApi({ ...deps, follower, metrics, liveStreams: createLiveStreams(metrics.streamSubscribers) }, { searchIndex: false, ...options });
  return {
    statements,
    async graphql<T>(query: string, variables: Record<string, unknown> = {}) {
      const response = await yoga.fetch('http://api/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      return (await response.json()) as { data?: T; errors?: { extensions?: { code?: string } }[] };
    },
    stop: () => follower.stop(),
  };
}

describe('reads', () => {
  test("a page of crawls reads all their packages in one statement", async () => {
    for (let i = 0; i < 12; i++) await recordRelease(stack.pool, { registry: 'npm', name: `batched-${i}`, version: '1.0.0', summary: `batched number ${i}` });
    const api = await inProcessApi();
    try {
      const result = await api.graphql<{ crawls: { edges: { node: { name: string; package: { name: string; summary: string } } }[] } }>(
        '{ crawls(first: 12) { edges { node { name package { name summary } } } } }',
      );
      expect(result.errors).toBeUndefined();
      const edges = result.data!.crawls.edges;
      expect(edges).toHaveLength(12);
      for (const { node } of edges) expect(node.package).toEqual({ name: node.name, summary: `batched number ${node.name.split('-')[1]}` });
      expect(api.statements.filter((s) => /\bFROM packages\b/.test(s))).toHaveLength(1);
    } finally {
      await api.stop();
    }
  });

  test('identical searches share one response while it is fresh; other queries are never cached', async () => {
    // The response cache alone (search windows, below, would answer the last search from the first one's window).
    const api = await inProcessApi({ searchCacheTtlMs: 60_000, searchWindowTtlMs: 0 });
    try {
      const SEARCH = '{ search(query: "cache-probe") { edges { node { name } } } }';
      const PACKAGE = '{ package(registry: NPM, name: "cache-probe") { name } }';
      expect((await api.graphql<{ search: { edges: unknown[] } }>(SEARCH)).data!.search.edges).toEqual([]);
      expect((await api.graphql<{ package: unknown }>(PACKAGE)).data!.package).toBeNull();
      const before = api.statements.length;

      await recordRelease(stack.pool, { registry: 'npm', name: 'cache-probe', version: '1.0.0' });
      // The search is answered from the cache without a statement; the package query reads the new row.
      expect((await api.graphql<{ search: { edges: unknown[] } }>(SEARCH)).data!.search.edges).toEqual([]);
      expect(api.statements.length).toBe(before);
      expect((await api.graphql<{ package: unknown }>(PACKAGE)).data!.package).toEqual({ name: 'cache-probe' });
      // A different search (variables included) is its own entry.
      const fresh = await api.graphql<{ search: { edges: unknown[] } }>('query ($q: String!) { search(query: $q) { edges { node { name } } } }', { q: 'cache-probe' });
      expect(fresh.data!.search.edges).toEqual([{ node: { name: 'cache-probe' } }]);
    } finally {
      await api.stop();
    }
  });

  test("a search's window serves its other pages and page sizes, and shows a package's new data once its crawl result arrives", async () => {
    // Recorded before the API starts: its log follower begins at the head, so these do not reach it as live events
    // (which would drop the windows showing them, as they should, whenever the follower is behind).
    for (let i = 0; i < 8; i++) await recordRelease(stack.pool, { registry: 'npm', name: `window-probe-${i}`, version: '1.0.0', summary: 'window probe' });
    const api = await inProcessApi({ searchCacheTtlMs: 0, searchWindowTtlMs: 60_000 });
    try {
      const SEARCH = 'query ($first: Int, $after: String) { search(query: "window-probe", first: $first, after: $after) { edges { node { name latestVersion } } pageInfo { endCursor } } }';
      type Result = { search: { edges: { node: { name: string; latestVersion: string } }[]; pageInfo: { endCursor: string } } };
      const searches = () => api.statements.filter((s) => s.includes('search_head')).length;
      const first = await api.graphql<Result>(SEARCH, { first: 3 });
      expect(first.data!.search.edges.map((e) => e.node.name)).toEqual(['window-probe-0', 'window-probe-1', 'window-probe-2']);
      const after = await api.graphql<Result>(SEARCH, { first: 3, after: first.data!.search.pageInfo.endCursor });
      expect(after.data!.search.edges.map((e) => e.node.name)).toEqual(['window-probe-3', 'window-probe-4', 'window-probe-5']);
      expect((await api.graphql<Result>(SEARCH, { first: 8 })).data!.search.edges).toHaveLength(8);
      expect(searches()).toBe(1);

      await recordRelease(stack.pool, { registry: 'npm', name: 'window-probe-4', version: '2.0.0', summary: 'window probe' });
      let version = '';
      for (const deadline = Date.now() + 10_000; version !== '2.0.0' && Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 50))) {
        version = (await api.graphql<Result>(SEARCH, { first: 8 })).data!.search.edges.find((e) => e.node.name === 'window-probe-4')!.node.latestVersion;
      }
      expect(version).toBe('2.0.0');
      expect(searches()).toBe(2);
    } finally {
      await api.stop();
    }
  });
});
