// Where an event sits in the log as followers read it: ordered by (transaction_id, position), so that a
// transaction that commits late is read after, not skipped (see readLogBatch).

export interface LogPosition {
  /** xid8 of the appending transaction, as decimal text. */
  transactionId: string;
  /** The event's global position, as decimal text. */
  position: string;
}

/** Before every event. */
export const LOG_START: LogPosition = { transactionId: '0', position: '0' };

export function compareLogPositions(a: LogPosition, b: LogPosition): number {
  const tx = BigInt(a.transactionId) - BigInt(b.transactionId);
  if (tx !== 0n) return tx < 0n ? -1 : 1;
  const pos = BigInt(a.position) - BigInt(b.position);
  return pos === 0n ? 0 : pos < 0n ? -1 : 1;
}

const CURSOR_PREFIX = 'log1:';

/** An opaque cursor for clients: they hand it back to resume after that event. */
export function encodeLogCursor(at: LogPosition): string {
  return Buffer.from(`${CURSOR_PREFIX}${at.transactionId}:${at.position}`).toString('base64url');
}

/** Null when the text is not a cursor this store issued. */
export function decodeLogCursor(cursor: string): LogPosition | null {
  if (cursor.length > 100) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^log1:(\d{1,20}):(\d{1,19})$/.exec(text);
  if (!match) return null;
  return { transactionId: match[1]!, position: match[2]! };
}
