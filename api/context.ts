import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Config } from '../infra/config';

export interface ApiDeps {
  config: Config;
  pool: Pool;
  temporal: Client;
  /** Orchestration task queue that crawl workflows start on. */
  taskQueue: string;
}

export interface ApiContext extends ApiDeps {
  request: Request;
}
