import { compareLogPositions, decodeLogCursor, encodeLogCursor } from './logPosition';

const at = (transactionId: bigint, position: bigint) => ({ transactionId: String(transactionId), position: String(position) });

test('positions compare as numbers, across powers of ten and beyond 2^53', () => {
  const values = [0n, 1n, 9n, 10n, 11n, 99n, 100n, 999_999n, 1_000_000n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n];
  for (const a of values) {
    for (const b of values) {
      const numeric = a < b ? -1 : a > b ? 1 : 0;
      expect([a, b, compareLogPositions(at(1n, a), at(1n, b))]).toEqual([a, b, numeric]);
      expect([a, b, compareLogPositions(at(a, 5n), at(b, 1n))]).toEqual([a, b, numeric || 1]);
    }
  }
});

test('a cursor round-trips, and leading zeros in a hand-made one read as the same position', () => {
  const position = at(123n, 4_567n);
  expect(decodeLogCursor(encodeLogCursor(position))).toEqual(position);
  const padded = Buffer.from('log1:000123:04567').toString('base64url');
  expect(decodeLogCursor(padded)).toEqual(position);
  expect(decodeLogCursor(Buffer.from('log1:0:0').toString('base64url'))).toEqual(at(0n, 0n));
  expect(decodeLogCursor('not a cursor')).toBeNull();
});
