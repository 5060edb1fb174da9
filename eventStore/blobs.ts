import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/** Stores content once by its hash and returns the hash. */
export async function storeBlob(db: Pool | PoolClient, content: Buffer, mediaType: string): Promise<string> {
  const hash = sha256(content);
  await db.query(
    `INSERT INTO blobs (sha256, media_type, size, content) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING`,
    [hash, mediaType, content.length, content],
  );
  return hash;
}

export async function readBlob(db: Pool | PoolClient, hash: string): Promise<Buffer | null> {
  const { rows } = await db.query<{ content: Buffer }>('SELECT content FROM blobs WHERE sha256 = $1', [hash]);
  return rows[0]?.content ?? null;
}
