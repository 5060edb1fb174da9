// The GraphQL API as a yoga instance: schema, resolvers, the per-request context, and the plugins that
// guard, cache and measure every operation (over HTTP and graphql-ws alike).
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { createSchema, createYoga, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import type { ApiContext, ApiShared } from './context';
import { createLoaders } from './loaders';
import { useGraphQLMetrics } from './metrics';
import { useLimits } from './plugins/limits';
import { useSearchResponseCache } from './plugins/responseCache';
import { useSharedSubscriptionResults } from './plugins/sharedSubscriptionResults';
import { crawlMutation } from './resolvers/crawl';
import { crawlsQuery, packageCrawls } from './resolvers/crawls';
import { changelogEntries, crawlPackage, packageChanges, packageQuery } from './resolvers/package';
import { replayCrawlMutation, replayFailedCrawlsMutation } from './resolvers/replay';
import { runSearch, searchQuery } from './resolvers/search';
import { crawlBatchesSubscription, crawlsSubscription } from './resolvers/subscription';
import { upgradeReportQuery } from './resolvers/upgradeReport';
import { createIndexedSearch } from './searchIndex/indexedSearch';
import { createSearchWindows } from './searchWindows';

const typeDefs = fs.readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8');

/** The Authorization header over HTTP; over graphql-ws, the `authorization` connection parameter. */
function authorizationOf(initial: Partial<YogaInitialContext> & { connectionParams?: Record<string, unknown> }): string | null {
  const fromParams = initial.connectionParams?.authorization;
  if (typeof fromParams === 'string') return fromParams;
  return initial.request?.headers.get('authorization') ?? null;
}

export interface ApiOptions {
  /** How long identical searches share one response; 0 turns the cache off. */
  searchCacheTtlMs?: number;
  /** How long a search's ranked window serves repeats of it (the configuration's by default); 0 turns them off. */
  searchWindowTtlMs?: number;
  /** Whether names and summaries are searched in memory (the configuration's SEARCH_INDEX by default). */
  searchIndex?: boolean;
  /** The search to use (made by createPackageSearch, or a benchmark's baseline); one of its own otherwise. */
  search?: PackageSearch;
  /** Given the default guard and cache plugins (the limits, the search response cache), those to use instead. */
  plugins?: (defaults: Plugin[]) => Plugin[];
  /** How a GraphQL request's body reaches yoga, which gets the request on `next`; `withParsedBody` by default. */
  readBody?: (req: http.IncomingMessage, next: () => void) => void;
}

export interface PackageSearch {
  search: ApiContext['searchPackages'];
  /** Resolves once a search sees every crawl result the log held when called (the in-memory index follows it). */
  settled(): Promise<void>;
  stop(): void;
}

/**
 * The search the GraphQL API and the web pages share: through the in-memory index (api/searchIndex) with the changelog
 * part's windows, or, with SEARCH_INDEX=off, the SQL statement behind the search windows (api/searchWindows.ts).
 */
export function createPackageSearch(shared: ApiShared, options: Pick<ApiOptions, 'searchIndex' | 'searchWindowTtlMs'> = {}): PackageSearch {
  const { metrics } = shared;
  const timeStatement = async <T>(statement: () => Promise<T>): Promise<T> => {
    const done = metrics.searchDuration.startTimer();
    try {
      return await statement();
    } finally {
      done();
    }
  };
  const windowTtlMs = options.searchWindowTtlMs ?? shared.config.api.searchWindowTtlMs;
  const statementsAtOnce = shared.config.api.searchStatementsAtOnce;
  const onWindow = (hit: boolean) => metrics.searchWindows.inc({ result: hit ? 'hit' : 'miss' });
  const sql: ApiContext['searchPackages'] = (...args) => runSearch(shared, ...args);
  if (options.searchIndex ?? shared.config.api.searchIndex) {
    const indexed = createIndexedSearch({
      pool: shared.pool,
      follower: shared.follower,
      fallback: sql,
      timeStatement,
      windowTtlMs,
      statementsAtOnce,
      onWindow,
      onSearch: (by) => metrics.searches.inc({ by }),
    });
    metrics.searchIndex.size = () => indexed.size();
    return indexed;
  }
  const windows = createSearchWindows((...args) => timeStatement(() => sql(...args)), { ttlMs: windowTtlMs, statementsAtOnce, onSearch: onWindow });
  // Windows showing a package go as a crawl result of it arrives (before the follower is ready nothing is kept:
  // the server listens only once it is).
  let unsubscribe = () => undefined as void;
  shared.follower
    .ready()
    .then(() => {
      unsubscribe = shared.follower.listen((event) => windows.invalidate(event.data.registry, event.data.name)).unsubscribe;
    })
    .catch(() => undefined); // startApi reports a follower that cannot start
  return {
    search: (...args) => {
      metrics.searches.inc({ by: 'sql' });
      return windows.search(...args);
    },
    settled: async () => undefined, // Postgres answers, and windows are dropped as results arrive
    stop: () => unsubscribe(),
  };
}

export function createApi(shared: ApiShared, options: ApiOptions = {}) {
  const schema = createSchema<ApiContext>({
    typeDefs,
    resolvers: {
      Query: { package: packageQuery, search: searchQuery, crawls: crawlsQuery, upgradeReport: upgradeReportQuery },
      Mutation: { crawl: crawlMutation, replayCrawl: replayCrawlMutation, replayFailedCrawls: replayFailedCrawlsMutation },
      Subscription: { crawls: crawlsSubscription, crawlBatches: crawlBatchesSubscription },
      Package: { changes: packageChanges, crawls: packageCrawls },
      Changelog: { entries: changelogEntries },
      Crawl: { package: crawlPackage },
    },
  });
  const searchPackages = (options.search ?? createPackageSearch(shared, options)).search;
  const guardsAndCache = [...useLimits(), useSearchResponseCache({ ttlMs: options.searchCacheTtlMs ?? 2_000 })];
  return createYoga<object, ApiContext>({
    schema,
    graphqlEndpoint: '/graphql',
    context: (initial) => ({ ...shared, loaders: createLoaders(shared.pool), searchPackages, authorization: authorizationOf(initial) }),
    plugins: [
      useGraphQLMetrics(shared.metrics),
      useSharedSubscriptionResults(),
      ...(options.plugins ? options.plugins(guardsAndCache) : guardsAndCache),
    ],
    // Yoga's GraphiQL loads its code from a CDN, which the security policy (rightly) refuses.
    graphiql: false,
    landingPage: false,
    logging: 'warn',
  });
}
