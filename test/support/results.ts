import { canonicalName, type Registry } from '../../workflows/types';
import type { Pool } from 'pg';

/** How many result events (found, not found, rejected) each release stream holds. */
export async function resultCounts(pool: Pool): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ stream_id: string; results: string }>(
    `SELECT stream_id, count(*) AS results FROM events WHERE type = 'ReleaseCrawled' GROUP BY stream_id`,
  );
  return new Map(rows.map((r) => [r.stream_id, Number(r.results)]));
}

export function streamOf(release: { registry: string; name: string; version: string }): string {
  return `${release.registry}:${canonicalName(release.registry as Registry, release.name)}@${release.version}`;
}
