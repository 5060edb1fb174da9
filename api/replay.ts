// Replaying failed crawls: a new run of each under its own workflow id. Shared by the API and the CLI.
import type { Client } from '@temporalio/client';
import pMap from 'p-map';
import type { Pool } from 'pg';
import type { Registry, ReleaseRef } from '../workflows/types';
import { type StartedCrawl, startCrawl } from './startCrawl';

export interface FailedCrawl extends ReleaseRef {
  workflowId: string;
  failedAt: Date;
}

/** Releases whose latest crawl failed (a failure never hides a success), oldest failure first. */
export async function findFailedCrawls(pool: Pool, filter: { registry?: Registry | null; since?: Date | null } = {}): Promise<FailedCrawl[]> {
  const { rows } = await pool.query<{ registry: Registry; name: string; version: string; workflow_id: string; crawled_at: Date }>(
    `SELECT registry, name, version, workflow_id, crawled_at
       FROM releases
      WHERE outcome = 'failed'
        AND ($1::text IS NULL OR registry = $1)
        AND ($2::timestamptz IS NULL OR crawled_at >= $2)
      ORDER BY crawled_at, registry, name, version`,
    [filter.registry ?? null, filter.since ?? null],
  );
  return rows.map((r) => ({ registry: r.registry, name: r.name, version: r.version, workflowId: r.workflow_id, failedAt: r.crawled_at }));
}

export interface ReplayProgress {
  done: number;
  started: number;
  total: number;
}

/** Starts a new run of each crawl, a few at a time; returns how many started (a running one is skipped). */
export async function replayCrawls(
  temporal: Client,
  taskQueue: string,
  crawls: FailedCrawl[],
  options: { concurrency?: number; onProgress?: (progress: ReplayProgress) => void } = {},
): Promise<number> {
  const { concurrency = 16, onProgress = () => undefined } = options;
  let done = 0;
  let started = 0;
  await pMap(
    crawls,
    async (crawl) => {
      const result: StartedCrawl = await startCrawl(temporal, taskQueue, crawl, crawl.workflowId);
      done += 1;
      if (result.started) started += 1;
      onProgress({ done, started, total: crawls.length });
    },
    { concurrency },
  );
  return started;
}
