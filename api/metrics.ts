// Prometheus metrics of one API server, served at /metrics: HTTP requests by route and status, GraphQL
// operations (GraphQL Yoga's Prometheus plugin), live-stream subscribers, search statements, and Node's
// process metrics. Each server has its own registry, so two servers in one process do not collide.
import { createHistogram, usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { Plugin } from 'graphql-yoga';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds: from a cached response (well under a millisecond) to a slow search under load. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createApiMetrics() {
  const registry = new Registry();
  /** What the search index gauge reads when scraped (set by the search that owns the index). */
  const searchIndex = { size: () => 0 };
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    /** Its `_count` counts requests. `route` is one of a fixed few, never the raw URL. */
    httpRequests: new Histogram({
      name: 'changelogs_api_http_request_duration_seconds',
      help: 'HTTP requests served, by method, route and status, from arrival to the last byte sent',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    streamSubscribers: new Gauge({
      name: 'changelogs_api_stream_subscribers',
      help: 'Live-stream subscriptions open now (graphql-ws and server-sent events)',
      registers: [registry],
    }),
    /** Searches answered from a kept search window (`hit`) and those that went to Postgres (`miss`). */
    searchWindows: new Counter({
      name: 'changelogs_api_search_windows_total',
      help: 'Searches that reached the search windows: answered from a kept window (hit) or by Postgres (miss)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    searches: new Counter({
      name: 'changelogs_api_searches_total',
      help: 'Searches made, by what answered their names and summaries: the in-memory index (index) or Postgres (sql)',
      labelNames: ['by'] as const,
      registers: [registry],
    }),
    searchIndexPackages: new Gauge({
      name: 'changelogs_api_search_index_packages',
      help: 'Packages in the in-memory search index (0 while it loads, or with SEARCH_INDEX=off)',
      registers: [registry],
      collect() {
        this.set(searchIndex.size());
      },
    }),
    searchIndex,
    searchDuration: new Histogram({
      name: 'changelogs_api_search_duration_seconds',
      help: 'Time a ranking search statement takes in Postgres: the whole search, or with the index its changelog part (a search answered from the response cache, a search window or the index alone runs none)',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

/**
 * GraphQL operations executed, their duration and errors, by operation type. The operation name is left
 * out: clients choose it, so it would let them grow the metrics without bound. Cached responses skip
 * execution and show only in the HTTP metrics.
 *
 * Queries and mutations only: live-stream subscriptions are counted by `changelogs_api_stream_subscribers`. A
 * metric observed for subscriptions wraps every subscriber's stream in two more iterators, which with thousands of
 * subscribers cost each delivery of each event more than the rest of the stream's own work.
 */
export function useGraphQLMetrics(metrics: ApiMetrics): Plugin {
  const notSubscriptions = ['execute'] as const;
  return usePrometheus({
    registry: metrics.registry,
    endpoint: false,
    metrics: {
      graphql_envelop_request: [...notSubscriptions],
      graphql_envelop_request_duration: createHistogram({
        registry: metrics.registry,
        histogram: {
          name: 'graphql_envelop_request_duration',
          help: 'Time spent on running the GraphQL operation from parse to execute',
          labelNames: ['operationType'],
          buckets: LATENCY_BUCKETS,
        },
        fillLabelsFn: (params) => ({ operationType: params.operationType ?? 'unknown' }),
        phases: [...notSubscriptions],
      }),
      graphql_envelop_error_result: ['parse', 'validate', 'context', 'execute'],
      graphql_envelop_request_time_summary: false,
      graphql_envelop_phase_parse: false,
      graphql_envelop_phase_validate: false,
      graphql_envelop_phase_context: false,
      graphql_envelop_phase_execute: false,
      graphql_envelop_phase_subscribe: false,
      graphql_envelop_deprecated_field: false,
      graphql_envelop_schema_change: false,
      graphql_envelop_execute_resolver: false,
      graphql_yoga_http_duration: false,
    },
    labels: { operationName: false, fieldName: false, typeName: false, returnType: false, path: false },
  });
}
