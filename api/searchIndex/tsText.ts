// Postgres's text forms of tsvector and tsquery, read back into values the in-process search index evaluates
// (tsMatch.ts: `@@`; tsRank.ts: ts_rank). The text is what Postgres prints (tsvectorout and tsqueryout in
// src/backend/utils/adt/tsvector.c and tsquery.c), so the parsers are strict about that form and throw on
// anything else; a tsquery feature the index does not evaluate (weight restrictions, prefix matching) throws an
// Error whose message says "unsupported", so the caller can let Postgres answer instead.

/**
 * A tsvector: each lexeme with its WordEntryPos values as Postgres stores them, in ascending position order.
 * A WordEntryPos is a uint16: the position (1..16383) in the low 14 bits, the weight in the top 2 (A=3, B=2,
 * C=1, D=0). A lexeme without positions (a stripped entry, haspos = false) has an empty array.
 */
export type TsVector = Map<string, Uint16Array>;

/** A tsquery as a tree (Postgres keeps it in Polish notation; the meaning is the same). */
export type TsQuery =
  | { kind: 'term'; lexeme: string }
  | { kind: 'not'; arg: TsQuery }
  | { kind: 'and' | 'or'; left: TsQuery; right: TsQuery }
  | { kind: 'phrase'; distance: number; left: TsQuery; right: TsQuery };

/** Largest position a WordEntryPos holds (MAXENTRYPOS - 1 in ts_type.h). */
export const MAX_POSITION = (1 << 14) - 1;
/** Weight codes by letter, as WEP_SETWEIGHT stores them. */
const WEIGHT_CODES: Record<string, number> = { A: 3, B: 2, C: 1, D: 0, a: 3, b: 2, c: 1, d: 0 };

/** The position part of a WordEntryPos (WEP_GETPOS). */
export function positionOf(entry: number): number {
  return entry & MAX_POSITION;
}

/** The weight part of a WordEntryPos (WEP_GETWEIGHT): 3 for A down to 0 for D. */
export function weightOf(entry: number): number {
  return (entry >> 14) & 3;
}

/**
 * Orders lexemes as tsCompareString (tsvector_op.c) does with prefix = false: memcmp over the UTF-8 bytes, and
 * on a common prefix the shorter first. Comparing code points gives the same order as comparing UTF-8 bytes;
 * comparing JS strings with `<` would not (UTF-16 puts U+10000.. before U+E000..U+FFFF).
 */
export function compareLexemes(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  if (i < a.length) return 1;
  if (j < b.length) return -1;
  return 0;
}

/** A cursor over text being parsed, with errors that quote where the text went wrong. */
class Reader {
  pos = 0;
  constructor(
    readonly text: string,
    private readonly what: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  skipSpaces(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  fail(problem: string): never {
    throw new Error(`malformed ${this.what} text at offset ${this.pos} (${problem}): ${JSON.stringify(this.text)}`);
  }

  /**
   * A quoted lexeme as Postgres prints it: `'...'`, a quote inside doubled (`''`), a backslash escaping the
   * character after it (tsvectorout and tsqueryout print `\` as `\\`).
   */
  quoted(): string {
    if (this.peek() !== "'") this.fail('expected a quoted lexeme');
    this.pos++;
    let lexeme = '';
    for (;;) {
      if (this.done) this.fail('unterminated quoted lexeme');
      const ch = this.text[this.pos]!;
      if (ch === '\\') {
        if (this.pos + 1 >= this.text.length) this.fail('backslash at end of text');
        const next = this.text.codePointAt(this.pos + 1)!;
        lexeme += String.fromCodePoint(next);
        this.pos += next > 0xffff ? 3 : 2;
      } else if (ch === "'") {
        if (this.text[this.pos + 1] === "'") {
          lexeme += "'";
          this.pos += 2;
        } else {
          this.pos++;
          return lexeme;
        }
      } else {
        lexeme += ch;
        this.pos++;
      }
    }
  }

  /** A run of decimal digits as a number (no sign). */
  integer(): number {
    const start = this.pos;
    while (this.pos < this.text.length && this.text[this.pos]! >= '0' && this.text[this.pos]! <= '9') this.pos++;
    if (this.pos === start) this.fail('expected a number');
    return Number(this.text.slice(start, this.pos));
  }
}

/** `1A,6A,9`: positions with optional weight letters (none means D), ascending as Postgres keeps them. */
function readPositions(reader: Reader): Uint16Array {
  const entries: number[] = [];
  for (;;) {
    const position = reader.integer();
    if (position < 1 || position > MAX_POSITION) reader.fail(`position ${position} outside 1..${MAX_POSITION}`);
    if (entries.length > 0 && position <= positionOf(entries[entries.length - 1]!)) reader.fail('positions not ascending');
    const weight = WEIGHT_CODES[reader.peek()];
    if (weight !== undefined) reader.pos++;
    entries.push((position | ((weight ?? 0) << 14)) & 0xffff);
    if (reader.peek() !== ',') return Uint16Array.from(entries);
    reader.pos++;
  }
}

/**
 * Parses tsvector output text (tsvectorout), e.g. `'auth':3A,6A 'it''s':2B 'x':4 'bare'`, into a TsVector.
 * Throws on anything that is not that form (unquoted lexemes, unordered or repeated positions, a lexeme twice).
 */
export function parseTsVector(text: string): TsVector {
  const vector: TsVector = new Map();
  const reader = new Reader(text, 'tsvector');
  reader.skipSpaces();
  while (!reader.done) {
    const lexeme = reader.quoted();
    if (lexeme === '') reader.fail('empty lexeme');
    if (vector.has(lexeme)) reader.fail(`lexeme ${JSON.stringify(lexeme)} repeated`);
    let positions: Uint16Array = new Uint16Array(0);
    if (reader.peek() === ':') {
      reader.pos++;
      positions = readPositions(reader);
    }
    vector.set(lexeme, positions);
    if (!reader.done && !/\s/.test(reader.peek())) reader.fail('expected a space between entries');
    reader.skipSpaces();
  }
  return vector;
}

/** Thrown for tsquery text the index does not evaluate; the message says "unsupported". */
export class UnsupportedTsQueryError extends Error {}

/**
 * A recursive-descent reader of tsquery output, by Postgres's operator priorities (tsearch_op_priority in
 * tsquery.c): `!` binds tightest, then `<->`/`<N>`, then `&`, then `|`; binary operators group to the left, as
 * Postgres's parser does (tsqueryout prints a right operand of the same priority without parentheses only for the
 * associative `&` and `|`, so reading those to the left gives an equivalent tree).
 */
class QueryReader {
  constructor(private readonly reader: Reader) {}

  or(): TsQuery {
    let left = this.and();
    while (this.operator('|')) left = { kind: 'or', left, right: this.and() };
    return left;
  }

  private and(): TsQuery {
    let left = this.phrase();
    while (this.operator('&')) left = { kind: 'and', left, right: this.phrase() };
    return left;
  }

  private phrase(): TsQuery {
    let left = this.unary();
    for (;;) {
      const distance = this.phraseOperator();
      if (distance === null) return left;
      left = { kind: 'phrase', distance, left, right: this.unary() };
    }
  }

  private unary(): TsQuery {
    const reader = this.reader;
    reader.skipSpaces();
    const ch = reader.peek();
    if (ch === '!') {
      reader.pos++;
      return { kind: 'not', arg: this.unary() };
    }
    if (ch === '(') {
      reader.pos++;
      const inner = this.or();
      reader.skipSpaces();
      if (reader.peek() !== ')') reader.fail("expected ')'");
      reader.pos++;
      return inner;
    }
    if (ch === "'") return this.operand();
    if (ch === '') reader.fail('expected an operand');
    throw new UnsupportedTsQueryError(`unsupported tsquery syntax at offset ${reader.pos} (tsqueryout quotes every operand): ${JSON.stringify(reader.text)}`);
  }

  /** `'lexeme'`; a `:` after it (weights `:AB`, prefix `:*`) is a restriction the index does not evaluate. */
  private operand(): TsQuery {
    const reader = this.reader;
    const lexeme = reader.quoted();
    if (reader.peek() === ':') {
      throw new UnsupportedTsQueryError(`unsupported tsquery operand: weight or prefix restriction after ${JSON.stringify(lexeme)} in ${JSON.stringify(reader.text)}`);
    }
    return { kind: 'term', lexeme };
  }

  private operator(symbol: '&' | '|'): boolean {
    this.reader.skipSpaces();
    if (this.reader.peek() !== symbol) return false;
    this.reader.pos++;
    return true;
  }

  /** `<->` (distance 1) or `<N>`; null when the next token is not a phrase operator. */
  private phraseOperator(): number | null {
    const reader = this.reader;
    reader.skipSpaces();
    if (reader.peek() !== '<') return null;
    reader.pos++;
    let distance: number;
    if (reader.peek() === '-') {
      reader.pos++;
      distance = 1;
    } else {
      distance = reader.integer();
      // MAXENTRYPOS: tsquery input rejects larger distances.
      if (distance > MAX_POSITION + 1) reader.fail(`phrase distance ${distance} above ${MAX_POSITION + 1}`);
    }
    if (reader.peek() !== '>') reader.fail("expected '>'");
    reader.pos++;
    return distance;
  }
}

/**
 * Parses tsquery output text (tsqueryout), e.g. `'a' & ( 'b' | !'c' ) <-> 'd'`. Empty (or blank) text, Postgres's
 * empty tsquery, gives null. Weight restrictions and prefix operands throw an UnsupportedTsQueryError; text that is
 * not a tsquery throws an Error.
 */
export function parseTsQuery(text: string): TsQuery | null {
  const reader = new Reader(text, 'tsquery');
  reader.skipSpaces();
  if (reader.done) return null;
  const query = new QueryReader(reader).or();
  reader.skipSpaces();
  if (!reader.done) reader.fail('unexpected text after the query');
  return query;
}

function collectLexemes(query: TsQuery, into: string[]): void {
  switch (query.kind) {
    case 'term':
      into.push(query.lexeme);
      return;
    case 'not':
      collectLexemes(query.arg, into);
      return;
    default:
      collectLexemes(query.left, into);
      collectLexemes(query.right, into);
  }
}

/**
 * The query's distinct operand lexemes (negated ones included) in the order ts_rank visits them: SortAndUniqItems
 * in tsrank.c sorts the operands with tsCompareString (UTF-8 bytes, shorter first on a common prefix) and drops
 * repeats. calc_rank_or adds the lexemes' parts in this order, and divides by their count.
 */
export function queryLexemes(query: TsQuery): string[] {
  const all: string[] = [];
  collectLexemes(query, all);
  all.sort(compareLexemes);
  return all.filter((lexeme, i) => i === 0 || lexeme !== all[i - 1]);
}
