// Relay-style connections with keyset cursors: a cursor is the sort key of its row, so paging stays
// correct while rows are added, and costs an index seek however deep the page.
import { userError } from './errors';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw userError('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return first;
}

export function encodeCursor(kind: string, key: unknown[]): string {
  return Buffer.from(JSON.stringify([kind, ...key])).toString('base64url');
}

/** The key inside a cursor of this kind, checked by `valid`; BAD_USER_INPUT otherwise. */
export function decodeCursor<K extends unknown[]>(kind: string, cursor: string, valid: (key: unknown[]) => key is K): K {
  let parsed: unknown;
  try {
    parsed = cursor.length <= 1_000 ? JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) : null;
  } catch {
    parsed = null;
  }
  if (Array.isArray(parsed) && parsed[0] === kind) {
    const key = parsed.slice(1);
    if (valid(key)) return key;
  }
  throw userError('BAD_USER_INPUT', `"${cursor.slice(0, 40)}" is not a cursor of this list`);
}

/** Rows fetched with a limit one above the page size tell whether another page follows. */
export function toConnection<Row, Node>(rows: Row[], size: number, cursorOf: (row: Row) => string, nodeOf: (row: Row) => Node, extra: (row: Row) => object = () => ({})) {
  const page = rows.slice(0, size);
  const edges = page.map((row) => ({ cursor: cursorOf(row), node: nodeOf(row), ...extra(row) }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}
