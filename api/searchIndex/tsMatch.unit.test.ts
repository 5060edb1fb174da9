import { tsMatches } from './tsMatch';
import { parseTsQuery, parseTsVector } from './tsText';

function matches(vectorText: string, queryText: string): boolean {
  const vector = parseTsVector(vectorText);
  return tsMatches(parseTsQuery(queryText)!, (lexeme) => vector.get(lexeme));
}

// Each answer is Postgres 15's `vector @@ query`.
test.each([
  ["'a':1 'b':3", "'a' & 'b'", true],
  ["'a':1 'b':3", "'a' & 'c'", false],
  ["'a':1 'b':3", "'c' | 'b'", true],
  ["'a':1 'b':3", "'a' & !'b'", false],
  ['', "!'a'", true],
  ["'x':1", "!'x' | 'y'", false],
  ["'a':1 'b':3", "'a' <2> 'b'", true],
  ["'a':1 'b':3", "'a' <-> 'b'", false],
  ["'a':1 'b':1", "'a' <0> 'b'", true],
  ["'a':1 'b':2 'c':3", "'a' <-> 'b' <-> 'c'", true],
  ["'a':1 'b':2 'c':3", "'a' <-> ( 'b' <-> 'c' )", true],
  ["'a':1 'b':2 'c':4", "'a' <-> 'b' <-> 'c'", false],
  ["'pytest-auth-util':1A 'pytest':2A 'auth':3A 'util':4A", "'pytest-auth-util' <-> 'pytest' <-> 'auth' <-> 'util'", true],
])('%s @@ %s is %s', (vector, query, expected) => {
  expect(matches(vector, query)).toBe(expected);
});

describe('phrase corners of TS_phrase_execute', () => {
  test('NOT inside a phrase matches where the operand is not', () => {
    expect(matches("'a':1,3 'b':2", "!'b' <-> 'a'")).toBe(true);
    expect(matches("'a':1,3 'b':2", "'a' <-> !'a'")).toBe(true);
    expect(matches("'a':1,2", "'a' <-> !'a'")).toBe(true); // 'a' at 2, then 3 holds no 'a'
    expect(matches("'a':1 'b':2", "'a' <-> !'b'")).toBe(false);
  });

  test('OR resets a failed side to width 0, so the other side is not shifted', () => {
    expect(matches("'a':1 'b':5 'c':3 'd':4", "( 'a' <-> 'b' | 'c' ) <-> 'd'")).toBe(true);
  });

  test('NOT keeps the width of the phrase it negates, even a failed one', () => {
    expect(matches("'a':1 'b':5 'c':3 'd':4", "!( 'a' <-> 'b' ) <-> 'd'")).toBe(true);
  });

  test('positions past 16383 wrap as the uint16 WordEntryPos does', () => {
    // OR right-aligns 'c' to the width of 'x' <-> 'y': 16383 + 1 wraps to 0, so 'a' at 16382 does not reach it.
    expect(matches("'a':16382 'c':16383 'x':1 'y':2", "'a' <-> ( 'c' | 'x' <-> 'y' )")).toBe(false);
    // Without 'x' <-> 'y' matching, 'c' keeps width 0.
    expect(matches("'a':16382 'c':16383", "'a' <-> ( 'c' | 'x' <-> 'y' )")).toBe(true);
  });

  test('a phrase over an entry without positions is MAYBE, and MAYBE counts as no match even under NOT', () => {
    expect(matches("'a' 'd':4", "'a' & 'd'")).toBe(true);
    expect(matches("'a' 'd':4", "'a' <-> 'd'")).toBe(false);
    expect(matches("'a' 'd':4", "!( 'a' <-> 'd' )")).toBe(true);
  });
});
