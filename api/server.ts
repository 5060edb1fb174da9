// The HTTP server: GraphQL at /graphql (queries and mutations over HTTP, subscriptions over graphql-ws on
// the same path or as server-sent events), the web page at /.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createSchema, createYoga, type YogaInitialContext } from 'graphql-yoga';
import { startLogFollower } from '../eventStore/followLog';
import type { ApiContext, ApiDeps } from './context';
import { useAliasLimit } from './plugins/useAliasLimit';
import { useCostLimit } from './plugins/useCostLimit';
import { useDepthLimit } from './plugins/useDepthLimit';
import { useTokenLimit } from './plugins/useTokenLimit';
import { crawlMutation } from './resolvers/crawl';
import { crawlsQuery, packageCrawls } from './resolvers/crawls';
import { changelogEntries, crawlPackage, packageChanges, packageQuery } from './resolvers/package';
import { replayCrawlMutation, replayFailedCrawlsMutation } from './resolvers/replay';
import { searchQuery } from './resolvers/search';
import { crawlsSubscription } from './resolvers/subscription';
import { createSearchCache, useSearchResponses } from './searchCache';
import { serveWebSockets } from './webSockets';

const typeDefs = fs.readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8');

export const LIMITS = { maxDepth: 8, maxAliases: 15, maxCost: 5_000, maxTokens: 1_000 };

/** The Authorization header over HTTP; over graphql-ws, the `authorization` connection parameter. */
function authorizationOf(initial: Partial<YogaInitialContext> & { connectionParams?: Record<string, unknown> }): string | null {
  const fromParams = initial.connectionParams?.authorization;
  if (typeof fromParams === 'string') return fromParams;
  return initial.request?.headers.get('authorization') ?? null;
}

export interface ApiOptions {
  /** How long identical searches share one result; 0 turns the cache off. */
  searchCacheTtlMs?: number;
}

export function createApi(deps: ApiDeps & Pick<ApiContext, 'follower'>, options: ApiOptions = {}) {
  const searchCache = createSearchCache({ ttlMs: options.searchCacheTtlMs ?? 2_000 });
  const schema = createSchema<ApiContext>({
    typeDefs,
    resolvers: {
      Query: { package: packageQuery, search: searchQuery, crawls: crawlsQuery },
      Mutation: { crawl: crawlMutation, replayCrawl: replayCrawlMutation, replayFailedCrawls: replayFailedCrawlsMutation },
      Subscription: { crawls: crawlsSubscription },
      Package: { changes: packageChanges, crawls: packageCrawls },
      Changelog: { entries: changelogEntries },
      Crawl: { package: crawlPackage },
    },
  });
  return createYoga<object, ApiContext>({
    schema,
    graphqlEndpoint: '/graphql',
    context: (initial) => ({ ...deps, searchCache, authorization: authorizationOf(initial) }),
    plugins: [
      useTokenLimit({ maxTokens: LIMITS.maxTokens }),
      useDepthLimit({ maxDepth: LIMITS.maxDepth }),
      useAliasLimit({ maxAliases: LIMITS.maxAliases }),
      useCostLimit({ maxCost: LIMITS.maxCost, pagedFields: ['search', 'crawls'], listFields: { entries: 50, changes: 50 } }),
      // After the limits (they validate), before execution: a repeated search skips it.
      useSearchResponses(searchCache),
    ],
    landingPage: false,
    logging: 'warn',
  });
}

/** JSON bodies up to this size are read and parsed here; larger ones stream through yoga (and its limit). */
const PARSED_BODY_LIMIT = 64 * 1024;

/**
 * Hands yoga an already parsed JSON body (the adapter's documented way in for frameworks that parse bodies).
 * The usual path copies every request body through web streams and a size-limiting transform, which costs
 * more CPU than the rest of a cached search; a small body with a Content-Length is read here instead, and
 * anything else (chunked, large, not JSON, not an object) goes the usual way. Yoga's limits still apply:
 * it checks the Content-Length header, and a parsed body is at most PARSED_BODY_LIMIT bytes.
 */
function withParsedBody(req: http.IncomingMessage, handle: () => void): void {
  const length = req.headers['content-length'];
  const size = length && /^\d+$/.test(length) ? Number(length) : 0;
  if (req.method !== 'POST' || size === 0 || size > PARSED_BODY_LIMIT || !/\bjson\b/i.test(req.headers['content-type'] ?? '')) {
    handle();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.once('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      const parsed: unknown = JSON.parse(text);
      // The adapter takes an object with keys as parsed; anything else it is given as text, to refuse it as usual.
      if (parsed !== null && typeof parsed === 'object' && Object.keys(parsed).length > 0) body = parsed;
    } catch {
      // yoga reports the malformed JSON
    }
    (req as http.IncomingMessage & { body?: unknown }).body = body;
    handle();
  });
  // An aborted upload has no one to answer; the socket is gone.
  req.once('error', () => undefined);
}

export interface RunningApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startApi(deps: ApiDeps, port = deps.config.api.port, options: ApiOptions = {}): Promise<RunningApi> {
  const follower = startLogFollower({
    pool: deps.pool,
    connectionString: deps.config.databaseUrl,
    onError: (err) => console.warn(`[api] log follower: ${err.message}`),
  });
  const yoga = createApi({ ...deps, follower }, options);
  const webRoot = path.join(__dirname, '..', 'web');
  const server = http.createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      fs.createReadStream(path.join(webRoot, 'index.html')).pipe(res);
      return;
    }
    withParsedBody(req, () => void yoga(req, res));
  });
  const webSockets = serveWebSockets(server, yoga);
  try {
    await follower.ready();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '0.0.0.0', resolve);
    });
  } catch (err) {
    await webSockets.close();
    await follower.stop();
    throw err;
  }
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://localhost:${actualPort}/graphql`,
    port: actualPort,
    async close() {
      await webSockets.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await follower.stop();
    },
  };
}
