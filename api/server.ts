// The HTTP server: GraphQL at /graphql (queries and mutations over HTTP, subscriptions over graphql-ws on
// the same path or as server-sent events), the web pages and feeds (api/pages/site.ts) with their script and
// styles (web/), /healthz, /readyz and /metrics. Every response carries the security headers.
import http from 'node:http';
import path from 'node:path';
import { startLogFollower } from '../eventStore/followLog';
import type { ApiDeps } from './context';
import { type ApiOptions, createApi, createPackageSearch } from './graphql';
import { readiness } from './health';
import { createLiveStreams } from './liveStreams';
import { createApiMetrics } from './metrics';
import { withParsedBody } from './parsedBody';
import { createSite } from './pages/site';
import { setSecurityHeaders } from './securityHeaders';
import { loadStaticFiles } from './staticFiles';
import { serveWebSockets } from './webSockets';

const WEB_ROOT = path.join(__dirname, '..', 'web');

/** A follower error this recent means it is not following the log now (it retries every second). */
const FOLLOWER_ERROR_WINDOW_MS = 5_000;

export interface RunningApi {
  url: string;
  port: number;
  /**
   * Stops accepting connections, tells readiness checks so, ends live streams (websockets close with 1001,
   * server-sent event streams complete), waits up to `graceMs` (API_SHUTDOWN_GRACE_MS) for requests in
   * flight, then closes what is left and stops the log follower. The pool and the Temporal client are the caller's.
   */
  close(graceMs?: number): Promise<void>;
  /** Resolves once searches see every crawl result the log held when called. */
  searchSettled(): Promise<void>;
}

type Route = 'graphql' | 'static' | 'page' | 'feed' | 'healthz' | 'readyz' | 'metrics' | 'not_found';

/** The request target's path, normalised (`..` resolved); null when it is not a URL at all. */
function pathOf(target: string | undefined): string | null {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return null;
  }
}

export async function startApi(deps: ApiDeps, port = deps.config.api.port, options: ApiOptions = {}): Promise<RunningApi> {
  let followerError: { at: number; message: string } | null = null;
  let followerReady = false;
  let shuttingDown = false;
  const follower = startLogFollower({
    pool: deps.pool,
    connectionString: deps.config.databaseUrl,
    onError: (err) => {
      followerError = { at: Date.now(), message: err.message };
      console.warn(`[api] log follower: ${err.message}`);
    },
  });
  const metrics = createApiMetrics();
  const liveStreams = createLiveStreams(metrics.streamSubscribers);
  const shared = { ...deps, follower, liveStreams, metrics };
  const search = options.search ?? createPackageSearch(shared, options);
  const yoga = createApi(shared, { ...options, search });
  const staticFiles = loadStaticFiles(WEB_ROOT);
  const site = createSite({ ...deps, follower, searchPackages: search.search });
  const readBody = options.readBody ?? withParsedBody;
  const health = {
    pool: deps.pool,
    temporal: deps.temporal,
    shuttingDown: () => shuttingDown,
    followerProblem: () => {
      if (shuttingDown) return 'stopping';
      if (!followerReady) return 'starting';
      if (followerError && Date.now() - followerError.at < FOLLOWER_ERROR_WINDOW_MS) return followerError.message;
      return null;
    },
  };
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse, route: Route, pathname: string | null) => {
    switch (route) {
      case 'graphql':
        readBody(req, () => void yoga(req, res));
        return;
      case 'static':
        staticFiles.serve(staticFiles.lookup(pathname!)!, req, res);
        return;
      case 'page':
      case 'feed':
        await site.handle(req, res, new URL(req.url ?? '/', 'http://localhost'));
        return;
      case 'healthz':
        json(res, 200, { status: 'alive' });
        return;
      case 'readyz': {
        const { ready, checks } = await readiness(health);
        json(res, ready ? 200 : 503, { status: ready ? 'ready' : shuttingDown ? 'shutting down' : 'not ready', checks });
        return;
      }
      case 'metrics':
        res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(await metrics.registry.metrics());
        return;
      case 'not_found':
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
    }
  };

  const routeOf = (pathname: string, method: string | undefined): Route => {
    if (pathname === yoga.graphqlEndpoint) return 'graphql';
    const readOnly = method === 'GET' || method === 'HEAD';
    if (readOnly && staticFiles.lookup(pathname)) return 'static';
    if (readOnly && (pathname === '/healthz' || pathname === '/readyz' || pathname === '/metrics')) return pathname.slice(1) as Route;
    return site.routeOf(pathname, method) ?? 'not_found';
  };

  const server = http.createServer((req, res) => {
    const pathname = pathOf(req.url);
    const route = pathname === null ? 'not_found' : routeOf(pathname, req.method);
    const timer = metrics.httpRequests.startTimer({ method: /^[A-Z]{1,10}$/.test(req.method ?? '') ? req.method : 'OTHER', route });
    res.once('close', () => {
      timer({ status: String(res.statusCode) });
      if (shuttingDown) server.closeIdleConnections();
    });
    setSecurityHeaders(req, res);
    if (shuttingDown) res.setHeader('connection', 'close');
    handle(req, res, route, pathname).catch((err: unknown) => {
      console.error(`[api] ${req.method} ${pathname}: ${err instanceof Error ? err.stack : String(err)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('internal server error\n');
    });
  });
  const webSockets = serveWebSockets(server, yoga);
  try {
    await follower.ready();
    followerReady = true;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '0.0.0.0', resolve);
    });
  } catch (err) {
    await webSockets.close(0);
    search.stop();
    await follower.stop();
    throw err;
  }
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://localhost:${actualPort}/graphql`,
    port: actualPort,
    searchSettled: () => search.settled(),
    async close(graceMs = deps.config.api.shutdownGraceMs) {
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await liveStreams.endAll();
      // One turn of the event loop for graphql-ws to send each ended subscription's `complete`.
      await new Promise((resolve) => setImmediate(resolve));
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.all([webSockets.close(graceMs), Promise.race([closed, graceOver])]);
      clearTimeout(timer);
      server.closeAllConnections();
      await closed;
      search.stop();
      await follower.stop();
    },
  };
}
