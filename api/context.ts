import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { LogFollower } from '../eventStore/followLog';
import type { Config } from '../infra/config';
import type { LiveStreams } from './liveStreams';
import type { Loaders } from './loaders';
import type { ApiMetrics } from './metrics';
import type { SearchKey, SearchRow } from './resolvers/search';

export interface ApiDeps {
  config: Config;
  pool: Pool;
  temporal: Client;
  /** Orchestration task queue that crawl workflows start on. */
  taskQueue: string;
}

/** What every request shares: one per server. */
export interface ApiShared extends ApiDeps {
  /** The tail of the event log that subscriptions read from. */
  follower: LogFollower;
  liveStreams: LiveStreams;
  metrics: ApiMetrics;
}

export interface ApiContext extends ApiShared {
  /** Batching and per-request caching of reads; new for every request. */
  loaders: Loaders;
  /** Up to `limit` search results after the cursor, in result order. */
  searchPackages(query: string, registry: string | null, after: SearchKey | null, limit: number): Promise<SearchRow[]>;
  /** The Authorization header (HTTP) or `authorization` connection parameter (graphql-ws). */
  authorization: string | null;
}
