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

/** Stores many contents at once, each once by its hash (one statement); returns their hashes in order. */
export async function storeBlobs(db: Pool | PoolClient, blobs: { content: Buffer; mediaType: string }[]): Promise<string[]> {
  const hashes = blobs.map((b) => sha256(b.content));
  const fresh = new Map<string, { content: Buffer; mediaType: string }>();
  blobs.forEach((b, i) => fresh.set(hashes[i]!, b));
  if (fresh.size === 0) return hashes;
  const [keys, values] = [[...fresh.keys()], [...fresh.values()]];
  // Parameters of one statement are limited to 65,535, not their size: four arrays carry any number of blobs.
  await db.query(
    `INSERT INTO blobs (sha256, media_type, size, content)
     SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bytea[])
     ORDER BY 1
     ON CONFLICT (sha256) DO NOTHING`,
    [keys, values.map((v) => v.mediaType), values.map((v) => v.content.length), values.map((v) => v.content)],
  );
  return hashes;
}
