import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { LogFollower } from '../eventStore/followLog';
import type { Config } from '../infra/config';
import type { SearchCache } from './searchCache';

export interface ApiDeps {
  config: Config;
  pool: Pool;
  temporal: Client;
  /** Orchestration task queue that crawl workflows start on. */
  taskQueue: string;
}

export interface ApiContext extends ApiDeps {
  /** The tail of the event log that subscriptions read from; one per server. */
  follower: LogFollower;
  searchCache: SearchCache;
  /** The Authorization header (HTTP) or `authorization` connection parameter (graphql-ws). */
  authorization: string | null;
}
