// ts_rank(vector, query, 32) in process, bit for bit: calc_rank and calc_rank_or of Postgres 15's
// src/backend/utils/adt/tsrank.c with the default weights. C's `float` arithmetic is single precision on x86-64
// (FLT_EVAL_METHOD 0), so every float result is rounded with Math.fround; a double literal in an expression makes
// that step double, which is JS's own arithmetic. (+ - * / of two floats done in double and then rounded to float
// give the correctly rounded float result, so fround(a op b) is exactly C's float a op b.)
import { queryLexemes, type TsQuery, type TsVector, weightOf } from './tsText';

const f = Math.fround;

/** tsrank.c's `weights[] = {0.1f, 0.2f, 0.4f, 1.0f}`, indexed by weight code (D=0 .. A=3). */
const WEIGHTS: readonly number[] = [f(0.1), f(0.2), f(0.4), f(1.0)];

/** The double literal calc_rank_or divides by: the limit of Σ 1/i² (π²/6). */
const ZETA_2 = 1.64493406685;

/** A stripped entry (no positions) counts as calc_rank_or's posnull: one position 0, weight D. */
const POSNULL = Uint16Array.of(0);

/**
 * One vector entry's part of calc_rank_or before the division by 1.64493406685:
 * `wjm + resj - wjm / ((jm + 1) * (jm + 1))` where resj = Σ_j w[weight(pos_j)] / (j + 1)² and wjm is the first
 * largest weight, at index jm. All float, as in C (`(j + 1) * (j + 1)` is an int converted to float).
 */
export function termImpact(positions: Uint16Array): number {
  const entries = positions.length === 0 ? POSNULL : positions;
  let resj = 0;
  let wjm = -1;
  let jm = 0;
  for (let j = 0; j < entries.length; j++) {
    const w = WEIGHTS[weightOf(entries[j]!)]!;
    resj = f(resj + f(w / f((j + 1) * (j + 1))));
    if (w > wjm) {
      wjm = w;
      jm = j;
    }
  }
  return f(f(wjm + resj) - f(wjm / f((jm + 1) * (jm + 1))));
}

/**
 * calc_rank_or's `res = res + (impact) / 1.64493406685`: the float part is divided in double, added to res in
 * double, and the sum stored back into the float res. A lexeme the vector lacks is skipped in C; adding 0 here
 * is the same (res is already a float, so fround(res + 0) === res).
 */
export function addImpact(res: number, impact: number): number {
  return f(res + impact / ZETA_2);
}

/**
 * The end of calc_rank_or and calc_rank with method 32: `res / size` (float by int), the `res < 0` guard
 * (1e-20f; never taken for an OR rank), then RANK_NORM_RDIVRPLUS1 `res /= (res + 1)`, all float. Size is the
 * number of distinct query lexemes; an empty query ranks 0 (calc_rank returns before normalising).
 */
export function finishRankOr(res: number, termCount: number): number {
  if (termCount === 0) return 0;
  let rank = f(res / termCount);
  if (rank < 0) rank = f(1e-20);
  return f(rank / f(rank + 1));
}

/**
 * ts_rank(vector, query, 32) for a query ranked by calc_rank_or, from the termImpact of each of the query's
 * distinct lexemes in queryLexemes() order (0 for a lexeme the vector lacks). The order matters: float sums are
 * not associative.
 */
export function rankOr(impacts: ArrayLike<number>, termCount: number): number {
  let res = 0;
  for (let i = 0; i < impacts.length; i++) res = addImpact(res, impacts[i]!);
  return finishRankOr(res, termCount);
}

/**
 * ts_rank(vector, query, 32). calc_rank ranks a query whose root is AND or PHRASE with calc_rank_and (which falls
 * back to calc_rank_or when the query has fewer than two distinct lexemes), anything else (OR, NOT, an operand)
 * with calc_rank_or. calc_rank_and (pairwise distances through exp() and sqrt()) is not reproduced: those queries
 * throw an Error saying unsupported. An empty vector ranks 0, as does an empty query (null).
 */
export function tsRank32(vector: TsVector, query: TsQuery | null): number {
  if (vector.size === 0 || query === null) return 0;
  const lexemes = queryLexemes(query);
  if ((query.kind === 'and' || query.kind === 'phrase') && lexemes.length >= 2) {
    throw new Error(`unsupported: ts_rank of a query whose root is ${query.kind.toUpperCase()} (calc_rank_and)`);
  }
  let res = 0;
  for (const lexeme of lexemes) {
    const positions = vector.get(lexeme);
    if (positions !== undefined) res = addImpact(res, termImpact(positions));
  }
  return finishRankOr(res, lexemes.length);
}
