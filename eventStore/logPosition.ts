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

/** Decimal texts of non-negative integers (no leading zeros), compared as numbers: by length, then by digits. */
function compareDecimals(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

// Compared as text rather than as BigInts: every live subscriber compares every event it receives, and parsing two
// BigInts each time was most of that cost.
export function compareLogPositions(a: LogPosition, b: LogPosition): number {
  return compareDecimals(a.transactionId, b.transactionId) || compareDecimals(a.position, b.position);
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
  // Without leading zeros, as Postgres writes them (positions are compared as text).
  const plain = (digits: string) => digits.replace(/^0+(?=\d)/, '');
  return { transactionId: plain(match[1]!), position: plain(match[2]!) };
}
