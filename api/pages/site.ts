// The reader's web, rendered on the server from the read models with the reads the GraphQL resolvers use:
// `/` (search and the recent crawls), `/<registry>/<name>` (summary, changelog with an anchor per entry, crawl
// history linked to the Temporal UI), `/<registry>/<name>/changes?from=&to=`, the Atom feeds
// `/<registry>/<name>.atom` and `/feed.atom`, a 404 page for a package never crawled (with the CLI command and a
// token-protected crawl button, POST `/<registry>/<name>/crawl`). Pages work without script; web/app.js adds
// the live parts. Every response has an ETag (a hash of its body) and answers If-None-Match with 304.
import { createHash } from 'node:crypto';
import type http from 'node:http';
import { GraphQLError } from 'graphql';
import type { LogFollower } from '../../eventStore/followLog';
import { encodeLogCursor, type LogPosition } from '../../eventStore/logPosition';
import { logPositionOf, readLogHead } from '../../eventStore/readLogBatch';
import type { Registry } from '../../workflows/types';
import { tokenAccepted } from '../auth';
import { decodeCursor, encodeCursor } from '../connections';
import type { ApiContext, ApiDeps } from '../context';
import { createLoaders } from '../loaders';
import { requestCrawl } from '../resolvers/crawl';
import { readCrawls } from '../resolvers/crawls';
import { isSearchKey } from '../resolvers/search';
import { versionsBetween } from '../versions';
import { packageFeed, recentFeed, FEED_ENTRIES } from './feeds';
import type { Html } from './html';
import { type CachedResponse, createPageCache, scopeOf } from './pageCache';
import { packagePath, parsePackagePath, type PackageRoute } from './paths';
import {
  changesPage,
  crawlStartedPage,
  errorPage,
  homePage,
  notFoundPackagePage,
  packagePage,
  REGISTRY_LABELS,
  type SearchResult,
  type TemporalUi,
} from './templates';

/** Crawls a package page lists. */
export const PAGE_CRAWLS = 30;
const STREAM_ITEMS = 20;
const SEARCH_RESULTS = 20;
const MAX_QUERY_LENGTH = 200;
const MAX_FORM_BYTES = 4_096;
const TIERS = ['EXACT', 'PREFIX', 'TEXT', 'SIMILAR'];

const HTML = 'text/html; charset=utf-8';
const ATOM = 'application/atom+xml; charset=utf-8';

export type SiteRoute = 'page' | 'feed';

export interface Site {
  /** Whether a request is the site's, and for which metrics route. */
  routeOf(pathname: string, method: string | undefined): SiteRoute | null;
  handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void>;
}

function response(status: number, contentType: string, text: string | Html): CachedResponse {
  const body = Buffer.from(String(text));
  return { status, contentType, body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}

/** Whether If-None-Match names this ETag (weak comparison, lists and `*` included). */
function notModified(req: http.IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (!header) return false;
  return header.trim() === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

function send(req: http.IncomingMessage, res: http.ServerResponse, page: CachedResponse, cacheControl = 'no-cache'): void {
  res.setHeader('cache-control', cacheControl);
  res.setHeader('etag', page.etag);
  if (page.status === 200 && notModified(req, page.etag)) {
    res.writeHead(304).end();
    return;
  }
  res.writeHead(page.status, { 'content-type': page.contentType, 'content-length': page.body.length });
  res.end(req.method === 'HEAD' ? undefined : page.body);
}

function redirect(res: http.ServerResponse, status: 301 | 303, location: string): void {
  res.writeHead(status, { location, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' }).end(`see ${location}\n`);
}

/** The address feeds link to, from the request (a proxy's X-Forwarded-Proto says https). */
function originOf(req: http.IncomingMessage): string {
  const host = req.headers.host ?? '';
  const safeHost = /^(?:[\w.-]+|\[[\d:a-f.]+\])(?::\d{1,5})?$/i.test(host) ? host : 'localhost';
  return `${req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http'}://${safeHost}`;
}

function readForm(req: http.IncomingMessage): Promise<URLSearchParams | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        resolve(null);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

export function createSite(deps: ApiDeps & { follower: LogFollower; searchPackages: ApiContext['searchPackages'] }): Site {
  const { pool, config } = deps;
  const cache = createPageCache();
  // How far the follower has read the log: where a page's live updates resume from. A page may show events
  // past it (the follower lags a little); its script then hears of them again, which only re-reads the page.
  let followed: LogPosition | null = null;
  // The server listens only once the follower is ready, so no page is kept before its invalidation is.
  deps.follower
    .ready()
    .then(() => {
      followed = deps.follower.listen((event) => {
        followed = logPositionOf(event);
        cache.invalidate(event.data.registry, event.data.name);
      }).position;
    })
    .catch(() => undefined); // startApi reports a follower that cannot start
  const ui: TemporalUi = { url: config.temporal.uiUrl, namespace: config.temporal.namespace };
  const streamCursor = async () => encodeLogCursor(followed ?? (await readLogHead(pool)));

  async function renderHome(url: URL): Promise<CachedResponse> {
    const query = (url.searchParams.get('q') ?? '').trim();
    const registryParam = url.searchParams.get('registry') || null;
    const registry = registryParam && registryParam in REGISTRY_LABELS ? registryParam : null;
    const cursor = await streamCursor();
    const crawls = await readCrawls(pool, {}, null, STREAM_ITEMS);
    if (!query) return response(200, HTML, homePage({ query: '', registry, results: null, nextHref: null, crawls, streamRows: STREAM_ITEMS, streamCursor: cursor }));
    const problem =
      query.length > MAX_QUERY_LENGTH || /\p{Cc}/u.test(query)
        ? `A search is 1 to ${MAX_QUERY_LENGTH} printable characters.`
        : registryParam && !registry
          ? `There is no registry "${registryParam.slice(0, 40)}": npm, rubygems or pypi.`
          : null;
    if (problem) return response(400, HTML, errorPage('Not a search', problem));
    let after = null;
    const afterParam = url.searchParams.get('after');
    if (afterParam) {
      try {
        after = decodeCursor('search', afterParam, isSearchKey);
      } catch {
        return response(400, HTML, errorPage('Not a search', 'The “after” parameter is not a cursor of these results.'));
      }
    }
    const rows = await deps.searchPackages(query, registry, after, SEARCH_RESULTS + 1);
    const results: SearchResult[] = rows.slice(0, SEARCH_RESULTS).map((row) => ({ row, match: TIERS[row.tier] ?? 'TEXT' }));
    const last = rows.length > SEARCH_RESULTS ? rows[SEARCH_RESULTS - 1]! : null;
    const next = last
      ? `/?${new URLSearchParams({ q: query, ...(registry && { registry }), after: encodeCursor('search', [last.tier, last.sort_key, last.registry, last.name]) })}`
      : null;
    return response(200, HTML, homePage({ query, registry, results, nextHref: next, crawls, streamRows: STREAM_ITEMS, streamCursor: cursor }));
  }

  async function renderPackage(route: PackageRoute, url: URL, origin: string): Promise<CachedResponse> {
    const key = { registry: route.registry, name: route.name };
    // One set of loaders per response, as per GraphQL request: the same statements the resolvers run.
    const loaders = createLoaders(pool);
    const [pkg, entries, crawls, cursor] = await Promise.all([
      loaders.packages.load(key),
      loaders.entries.load(key),
      route.view === 'changes' ? Promise.resolve([]) : readCrawls(pool, key, null, route.view === 'atom' ? FEED_ENTRIES : PAGE_CRAWLS),
      streamCursor(), // where live updates of the page start
    ]);
    if (!pkg) {
      if (route.view === 'atom') return response(404, 'text/plain; charset=utf-8', `${route.name} has not been crawled on ${route.registry}\n`);
      return response(404, HTML, notFoundPackagePage({ ...route, streamCursor: cursor }));
    }
    if (route.view === 'atom') return response(200, ATOM, packageFeed(origin, pkg, entries, crawls));
    if (route.view === 'page') return response(200, HTML, packagePage({ pkg, entries, crawls, ui, streamCursor: cursor }));
    const from = (url.searchParams.get('from') ?? '').trim();
    const to = (url.searchParams.get('to') ?? '').trim();
    const versions = entries.flatMap((e) => (e.version && !e.unreleased ? [e.version] : []));
    if (!from && !to) return response(200, HTML, changesPage({ pkg, versions, from, to, entries: null, error: null }));
    const tooLong = [from, to].some((v) => v.length > 64);
    const result = tooLong ? { invalid: 'that' } : versionsBetween(route.registry, entries, from || null, to || null);
    if ('invalid' in result) {
      const error = tooLong ? 'Versions are at most 64 characters.' : `“${result.invalid}” is not a ${REGISTRY_LABELS[route.registry]} version.`;
      return response(400, HTML, changesPage({ pkg, versions, from, to, entries: null, error }));
    }
    return response(200, HTML, changesPage({ pkg, versions, from, to, entries: result.items, error: null }));
  }

  async function crawlRequest(req: http.IncomingMessage, res: http.ServerResponse, route: PackageRoute): Promise<void> {
    const form = await readForm(req);
    const cursor = await streamCursor(); // before the crawl starts, so the page hears of its end
    const fail = (status: number, error: string) => send(req, res, response(status, HTML, notFoundPackagePage({ ...route, error, streamCursor: cursor })), 'no-store');
    if (!form) return fail(413, 'That form is too large.');
    if (!tokenAccepted(config, form.get('token') ?? '')) return fail(401, 'That is not the API token: crawls need the token the server was started with (API_TOKEN).');
    const version = (form.get('version') ?? '').trim() || null;
    try {
      const run = await requestCrawl(deps, route.registry as Registry, route.name, version);
      send(req, res, response(202, HTML, crawlStartedPage({ ...run, registry: route.registry, ui, streamCursor: cursor })), 'no-store');
    } catch (err) {
      const code = err instanceof GraphQLError ? (err.extensions.http as { status?: number } | undefined)?.status : undefined;
      if (!(err instanceof GraphQLError) || !code) throw err;
      fail(code, err.message);
    }
  }

  return {
    routeOf(pathname, method) {
      const route = parsePackagePath(pathname);
      if (method === 'POST') return route?.view === 'crawl' ? 'page' : null;
      if (method !== 'GET' && method !== 'HEAD') return null;
      if (pathname === '/feed.atom' || route?.view === 'atom') return 'feed';
      return pathname === '/' || route ? 'page' : null;
    },

    async handle(req, res, url) {
      const { pathname } = url;
      if (pathname === '/') {
        // Searches are not kept (too many); the front page is, until the next crawl result.
        const page = url.search ? await renderHome(url) : await cache.getOrRender('/', null, () => renderHome(url));
        return send(req, res, page);
      }
      if (pathname === '/feed.atom') {
        const registry = url.searchParams.get('registry') || null;
        if (registry && !(registry in REGISTRY_LABELS)) {
          return send(req, res, response(400, 'text/plain; charset=utf-8', `no registry "${registry.slice(0, 40)}": npm, rubygems or pypi\n`));
        }
        const origin = originOf(req);
        const feed = await cache.getOrRender(`${origin}/feed.atom?${registry ?? ''}`, null, async () =>
          response(200, ATOM, await recentFeed(origin, pool, await readCrawls(pool, { outcome: 'found', registry }, null, FEED_ENTRIES), registry)),
        );
        return send(req, res, feed);
      }
      const route = parsePackagePath(pathname)!;
      if (route.view === 'crawl') {
        if (req.method === 'POST') return crawlRequest(req, res, route);
        return redirect(res, 303, packagePath(route.registry, route.name));
      }
      if (route.canonical !== pathname) return redirect(res, 301, `${route.canonical}${url.search}`);
      const origin = route.view === 'atom' ? originOf(req) : '';
      const key = `${origin}${pathname}${route.view === 'changes' ? url.search : ''}`;
      const page = await cache.getOrRender(key, scopeOf(route.registry, route.name), () => renderPackage(route, url, origin));
      send(req, res, page);
    },
  };
}
