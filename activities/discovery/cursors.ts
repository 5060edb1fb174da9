import type { Pool } from 'pg';

export async function loadCursor<T>(pool: Pool, source: string): Promise<T | null> {
  const { rows } = await pool.query<{ cursor: T }>('SELECT cursor FROM discovery_cursors WHERE source = $1', [source]);
  return rows[0]?.cursor ?? null;
}

export async function saveCursor(pool: Pool, source: string, cursor: unknown): Promise<void> {
  await pool.query(
    `INSERT INTO discovery_cursors (source, cursor) VALUES ($1, $2)
     ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = now()`,
    [source, JSON.stringify(cursor)],
  );
}
