import { compareLexemes, parseTsQuery, parseTsVector, queryLexemes, type TsQuery, UnsupportedTsQueryError } from './tsText';

const A = 3 << 14;
const B = 2 << 14;
const C = 1 << 14;

function entries(text: string): [string, number[]][] {
  return [...parseTsVector(text)].map(([lexeme, positions]) => [lexeme, [...positions]]);
}

describe('parseTsVector', () => {
  test('reads lexemes, positions and weights as Postgres stores them (no letter is D)', () => {
    expect(entries("'auth':3A,6A 'pytest-auth-util':1A 'x':4 'y':5C,7B")).toEqual([
      ['auth', [A | 3, A | 6]],
      ['pytest-auth-util', [A | 1]],
      ['x', [4]],
      ['y', [C | 5, B | 7]],
    ]);
  });

  test('reads doubled quotes and backslash escapes inside lexemes', () => {
    expect(entries(String.raw`'it''s':2B 'a\\b':1 '\x':3 'café':4 '''':5`)).toEqual([
      ["it's", [B | 2]],
      ['a\\b', [1]],
      ['x', [3]],
      ['café', [4]],
      ["'", [5]],
    ]);
  });

  test('gives a lexeme without positions an empty array, and an empty vector for empty text', () => {
    expect(entries("'a' 'b':1")).toEqual([
      ['a', []],
      ['b', [1]],
    ]);
    expect(parseTsVector('').size).toBe(0);
  });

  test('keeps the highest position, 16383', () => {
    expect(entries("'a':16383A")).toEqual([['a', [A | 16383]]]);
  });

  test.each([
    ["'a", 'unterminated'],
    ['a:1', 'expected a quoted lexeme'],
    ["'a':", 'expected a number'],
    ["'a':0", 'outside'],
    ["'a':16384", 'outside'],
    ["'a':2,1", 'not ascending'],
    ["'a':1,1", 'not ascending'],
    ["'a':1 'a':2", 'repeated'],
    ["'a':1'b'", 'expected a space'],
    ["'a':1X", 'expected a space'],
    ["''", 'empty lexeme'],
    ["'a\\", 'backslash at end'],
  ])('rejects %j (%s)', (text, problem) => {
    expect(() => parseTsVector(text)).toThrow(problem);
    expect(() => parseTsVector(text)).toThrow('malformed tsvector');
  });
});

const t = (lexeme: string): TsQuery => ({ kind: 'term', lexeme });

describe('parseTsQuery', () => {
  test('reads operands and the four operators', () => {
    expect(parseTsQuery("'a'")).toEqual(t('a'));
    expect(parseTsQuery("'a' & 'b'")).toEqual({ kind: 'and', left: t('a'), right: t('b') });
    expect(parseTsQuery("'a' | !'b'")).toEqual({ kind: 'or', left: t('a'), right: { kind: 'not', arg: t('b') } });
    expect(parseTsQuery("'a' <-> 'b'")).toEqual({ kind: 'phrase', distance: 1, left: t('a'), right: t('b') });
    expect(parseTsQuery("'a' <2> 'b'")).toEqual({ kind: 'phrase', distance: 2, left: t('a'), right: t('b') });
    expect(parseTsQuery("'a' <0> 'b'")).toEqual({ kind: 'phrase', distance: 0, left: t('a'), right: t('b') });
  });

  test('binds ! tightest, then phrase, then &, then |', () => {
    expect(parseTsQuery("'a' | 'b' & 'c' <-> !'d'")).toEqual({
      kind: 'or',
      left: t('a'),
      right: { kind: 'and', left: t('b'), right: { kind: 'phrase', distance: 1, left: t('c'), right: { kind: 'not', arg: t('d') } } },
    });
    expect(parseTsQuery("!'a' & 'b'")).toEqual({ kind: 'and', left: { kind: 'not', arg: t('a') }, right: t('b') });
  });

  test('groups equal operators to the left, and follows parentheses', () => {
    expect(parseTsQuery("'a' <-> 'b' <-> 'c'")).toEqual({
      kind: 'phrase',
      distance: 1,
      left: { kind: 'phrase', distance: 1, left: t('a'), right: t('b') },
      right: t('c'),
    });
    expect(parseTsQuery("'a' <-> ( 'b' <-> 'c' )")).toEqual({
      kind: 'phrase',
      distance: 1,
      left: t('a'),
      right: { kind: 'phrase', distance: 1, left: t('b'), right: t('c') },
    });
    expect(parseTsQuery("!( 'a' | 'b' ) & 'c'")).toEqual({
      kind: 'and',
      left: { kind: 'not', arg: { kind: 'or', left: t('a'), right: t('b') } },
      right: t('c'),
    });
  });

  test('reads escapes inside operands', () => {
    expect(parseTsQuery(String.raw`'it''s' & 'a\\b'`)).toEqual({ kind: 'and', left: t("it's"), right: t('a\\b') });
  });

  test('gives null for the empty query', () => {
    expect(parseTsQuery('')).toBeNull();
    expect(parseTsQuery('  ')).toBeNull();
  });

  test.each(["'a':*", "'a':A", "'a':*AB & 'b'", 'a & b'])('says %j is unsupported', (text) => {
    expect(() => parseTsQuery(text)).toThrow(UnsupportedTsQueryError);
    expect(() => parseTsQuery(text)).toThrow(/unsupported/);
  });

  test.each([
    ["'a' &", 'expected an operand'],
    ["( 'a'", "expected ')'"],
    ["'a' 'b'", 'unexpected text'],
    ["'a' <x> 'b'", 'expected a number'],
    ["'a' <2 'b'", "expected '>'"],
    ["'a' <16385> 'b'", 'phrase distance'],
    ["'a", 'unterminated'],
  ])('rejects %j (%s)', (text, problem) => {
    expect(() => parseTsQuery(text)).toThrow(problem);
  });
});

describe('queryLexemes', () => {
  test('lists distinct operands, negated ones too, by bytes and shorter first', () => {
    expect(queryLexemes(parseTsQuery("'b' | 'ab' & !'a' | 'b' <-> 'abc' | 'a'")!)).toEqual(['a', 'ab', 'abc', 'b']);
  });

  test('orders by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF21 is EF BC A1 in UTF-8, U+1D518 is F0 9D 94 98: U+FF21 first (UTF-16 would put U+1D518's D835 first).
    expect(queryLexemes(parseTsQuery("'\u{1d518}' | '\uff21' | 'z' | 'é'")!)).toEqual(['z', 'é', '\uff21', '\u{1d518}']);
    expect(compareLexemes('\uff21', '\u{1d518}')).toBe(-1);
    expect(compareLexemes('\u{1d518}', '\u{1d518}')).toBe(0);
    expect(compareLexemes('a', 'ab')).toBe(-1);
    expect(compareLexemes('ab', 'a')).toBe(1);
  });
});
