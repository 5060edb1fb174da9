import { addImpact, finishRankOr, rankOr, termImpact, tsRank32 } from './tsRank';
import { parseTsQuery, parseTsVector, queryLexemes } from './tsText';

const f = Math.fround;

function rank(vectorText: string, queryText: string): number {
  return tsRank32(parseTsVector(vectorText), parseTsQuery(queryText));
}

// Each value is Postgres 15's ts_rank(vector, query, 32)::float8.
test.each([
  ["'auth':3A,6A 'pytest-auth-util':1A 'it''s':2B 'x':4", "'auth' | 'x' | 'zz' | !'it''s'", 0.21009066700935364],
  ["'a':1A", "'a'", 0.3780812621116638],
  ["'a':1B,2B,3B", "'a' | 'b'", 0.1419927179813385],
  ["'a':1,2C,3A", "'a'", 0.41145870089530945],
  ["'a'", "'a'", 0.057308755815029144],
  ["'a':1A 'b':2B", "!'a'", 0.3780812621116638],
  // calc_rank_and falls back to calc_rank_or for fewer than two distinct lexemes.
  ["'a':1A", "'a' & 'a'", 0.3780812621116638],
  ["'a':1A", "'a' <-> 'a'", 0.3780812621116638],
  ['', "'a'", 0],
])('ts_rank(%s, %s, 32) = %s', (vector, query, expected) => {
  expect(rank(vector, query)).toBe(expected);
});

test('an empty query ranks 0', () => {
  expect(tsRank32(parseTsVector("'a':1"), null)).toBe(0);
});

test('AND and PHRASE roots over two lexemes or more are unsupported (calc_rank_and)', () => {
  expect(() => rank("'a':1 'b':2", "'a' & 'b'")).toThrow(/unsupported/);
  expect(() => rank("'a':1 'b':2", "'a' <-> 'b'")).toThrow(/unsupported/);
  expect(rank("'a':1 'b':2", "'a' | 'b' & 'c'")).toBeGreaterThan(0);
});

describe('termImpact', () => {
  test('computes wjm + resj - wjm / (jm + 1)² in float', () => {
    const w = [f(0.1), f(0.2), f(0.4), 1];
    // One A position: 1 + 1 - 1.
    expect(termImpact(Uint16Array.of((3 << 14) | 1))).toBe(1);
    // D, C, A: the largest weight is the third.
    const resj = f(f(f(w[0]! / 1) + f(w[1]! / 4)) + f(w[3]! / 9));
    expect(termImpact(Uint16Array.of(1, (1 << 14) | 2, (3 << 14) | 3))).toBe(f(f(1 + resj) - f(1 / 9)));
  });

  test('takes the first of equal largest weights', () => {
    const b = f(0.4);
    const resj = f(f(b / 1) + f(b / 4));
    expect(termImpact(Uint16Array.of((2 << 14) | 1, (2 << 14) | 2))).toBe(f(f(b + resj) - f(b / 1)));
  });

  test('counts an entry without positions as one D position', () => {
    expect(termImpact(new Uint16Array(0))).toBe(termImpact(Uint16Array.of(1)));
  });
});

describe('rankOr', () => {
  test('adds in the given order, divides by the distinct count, then res / (res + 1)', () => {
    const vector = parseTsVector("'auth':3A,6A 'it''s':2B 'x':4");
    const query = parseTsQuery("'auth' | 'x' | 'zz' | !'it''s'")!;
    const impacts = queryLexemes(query).map((lexeme) => {
      const positions = vector.get(lexeme);
      return positions ? termImpact(positions) : 0;
    });
    expect(rankOr(impacts, impacts.length)).toBe(0.21009066700935364);
    expect(rankOr(impacts, impacts.length)).toBe(finishRankOr(impacts.reduce(addImpact, 0), impacts.length));
  });

  test('adding 0 for a missing lexeme is the same as skipping it', () => {
    const res = addImpact(0, termImpact(Uint16Array.of((3 << 14) | 1)));
    expect(addImpact(res, 0)).toBe(res);
  });

  test('ranks an empty query 0', () => {
    expect(rankOr([], 0)).toBe(0);
  });
});
