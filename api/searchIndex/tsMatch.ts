// `tsvector @@ tsquery` in process: ts_match_vq and TS_execute with its phrase semantics, as in Postgres 15's
// src/backend/utils/adt/tsvector_op.c (TS_execute_recurse, TS_phrase_execute, TS_phrase_output).
import { positionOf, type TsQuery } from './tsText';

/** Looks a lexeme up in the vector: its WordEntryPos values, empty when it has none, undefined when absent. */
export type PositionsOf = (lexeme: string) => Uint16Array | undefined;

/** TSTernaryValue. */
const NO = 0;
const YES = 1;
const MAYBE = 2;
type Ternary = typeof NO | typeof YES | typeof MAYBE;

/**
 * ExecPhraseData: where a sub-query matches. `pos` holds uint16 values read through WEP_GETPOS (a tsvector's own
 * WordEntryPos values, or positions TS_phrase_output stored); with `negate`, the sub-query matches everywhere except
 * there. `width` is the match's length in lexemes less one, and the positions are the matches' ends.
 */
/** The operator nodes with two operands. */
type Binary = Extract<TsQuery, { left: TsQuery }>;

interface PhraseData {
  pos: ArrayLike<number>;
  negate: boolean;
  width: number;
}

function emptyData(): PhraseData {
  return { pos: [], negate: false, width: 0 };
}

/** TS_phrase_output's emit flags. */
const L_ONLY = 1;
const R_ONLY = 2;
const BOTH = 4;

/**
 * TS_phrase_output: merge-joins the two sorted position lists, each shifted by its offset, and keeps the positions
 * `emit` asks for. Kept positions are stored as C stores them into a WordEntryPos (uint16) and read back through
 * WEP_GETPOS (14 bits) by the parent, so a shifted position past 16383 wraps (16384 reads as 0) and the parent's
 * merge then walks a list that is no longer sorted, as Postgres's does.
 */
function phraseOutput(data: PhraseData, left: PhraseData, right: PhraseData, emit: number, leftOffset: number, rightOffset: number): Ternary {
  const out: number[] = [];
  let l = 0;
  let r = 0;
  while (l < left.pos.length || r < right.pos.length) {
    let lpos: number;
    let rpos: number;
    if (l < left.pos.length) lpos = positionOf(left.pos[l]!) + leftOffset;
    else if (!(emit & R_ONLY)) break;
    else lpos = Number.MAX_SAFE_INTEGER;
    if (r < right.pos.length) rpos = positionOf(right.pos[r]!) + rightOffset;
    else if (!(emit & L_ONLY)) break;
    else rpos = Number.MAX_SAFE_INTEGER;

    let output = 0;
    if (lpos < rpos) {
      if (emit & L_ONLY) output = lpos;
      l++;
    } else if (lpos === rpos) {
      if (emit & BOTH) output = rpos;
      l++;
      r++;
    } else {
      if (emit & R_ONLY) output = rpos;
      r++;
    }
    if (output > 0) out.push(output & 0xffff);
  }
  data.pos = out;
  return out.length > 0 ? YES : NO;
}

/** TS_phrase_execute for an operand: checkcondition_str with position data wanted (no weight restriction). */
function phraseOperand(lexeme: string, positionsOf: PositionsOf, data: PhraseData): Ternary {
  const positions = positionsOf(lexeme);
  if (positions === undefined) return NO;
  // checkclass_str: an entry without positions may match, but where is unknown.
  if (positions.length === 0) return MAYBE;
  data.pos = positions;
  return YES;
}

/**
 * TS_phrase_execute's OP_NOT: NOT keeps the width, turns "nowhere" into "everywhere" and back, and otherwise flips
 * `negate` over the same positions.
 */
function phraseNot(arg: TsQuery, positionsOf: PositionsOf, data: PhraseData): Ternary {
  switch (phraseExecute(arg, positionsOf, data)) {
    case NO:
      data.negate = true;
      return YES;
    case YES:
      if (data.pos.length > 0) {
        data.negate = !data.negate;
        return YES;
      }
      if (data.negate) {
        data.negate = false;
        return NO;
      }
      return NO; // unreachable in C (Assert(false)); a release build falls through to "return TS_NO"
    case MAYBE:
      return MAYBE;
  }
}

/**
 * TS_phrase_execute's OP_PHRASE and OP_AND. Both sides must match (a NO or MAYBE on the left skips the right).
 * PHRASE aligns L's ends `distance + Rwidth` to the right (lpos + N + Rwidth == rpos, output rpos, width
 * N + Lwidth + Rwidth); AND right-aligns the narrower side to the wider's width. Negated sides combine as sets.
 * Note that `data.width` is set before the merge, so a failed phrase under a NOT keeps its width (as in C).
 */
function phraseAndOrPhrase(node: Binary, positionsOf: PositionsOf, data: PhraseData): Ternary {
  const left = emptyData();
  const right = emptyData();
  const lmatch = phraseExecute(node.left, positionsOf, left);
  if (lmatch === NO) return NO;
  const rmatch = phraseExecute(node.right, positionsOf, right);
  if (rmatch === NO) return NO;
  if (lmatch === MAYBE || rmatch === MAYBE) return MAYBE;

  let leftOffset: number;
  let rightOffset: number;
  if (node.kind === 'phrase') {
    leftOffset = node.distance + right.width;
    rightOffset = 0;
    data.width = node.distance + left.width + right.width;
  } else {
    const maxWidth = Math.max(left.width, right.width);
    leftOffset = maxWidth - left.width;
    rightOffset = maxWidth - right.width;
    data.width = maxWidth;
  }

  if (left.negate && right.negate) {
    // !L & !R: treat as !(L | R)
    phraseOutput(data, left, right, BOTH | L_ONLY | R_ONLY, leftOffset, rightOffset);
    data.negate = true;
    return YES;
  }
  if (left.negate) return phraseOutput(data, left, right, R_ONLY, leftOffset, rightOffset); // !L & R
  if (right.negate) return phraseOutput(data, left, right, L_ONLY, leftOffset, rightOffset); // L & !R
  return phraseOutput(data, left, right, BOTH, leftOffset, rightOffset);
}

/**
 * TS_phrase_execute's OP_OR: both sides are evaluated; widths are right-aligned as for AND (a failed side counts
 * width 0). With negated sides the result is negated: !L | !R is !(L & R), !L | R is !(L & !R), L | !R is !(!L & R).
 */
function phraseOr(node: Binary, positionsOf: PositionsOf, data: PhraseData): Ternary {
  const left = emptyData();
  const right = emptyData();
  const lmatch = phraseExecute(node.left, positionsOf, left);
  const rmatch = phraseExecute(node.right, positionsOf, right);
  if (lmatch === NO && rmatch === NO) return NO;
  if (lmatch === MAYBE || rmatch === MAYBE) return MAYBE;
  if (lmatch === NO) left.width = 0;
  if (rmatch === NO) right.width = 0;

  const maxWidth = Math.max(left.width, right.width);
  const leftOffset = maxWidth - left.width;
  const rightOffset = maxWidth - right.width;
  data.width = maxWidth;

  if (left.negate || right.negate) {
    const emit = left.negate && right.negate ? BOTH : left.negate ? L_ONLY : R_ONLY;
    phraseOutput(data, left, right, emit, leftOffset, rightOffset);
    data.negate = true;
    return YES;
  }
  return phraseOutput(data, left, right, BOTH | L_ONLY | R_ONLY, leftOffset, rightOffset);
}

/** TS_phrase_execute: evaluation at or below a phrase operator, where match positions matter. */
function phraseExecute(node: TsQuery, positionsOf: PositionsOf, data: PhraseData): Ternary {
  switch (node.kind) {
    case 'term':
      return phraseOperand(node.lexeme, positionsOf, data);
    case 'not':
      return phraseNot(node.arg, positionsOf, data);
    case 'and':
    case 'phrase':
      return phraseAndOrPhrase(node, positionsOf, data);
    case 'or':
      return phraseOr(node, positionsOf, data);
  }
}

/**
 * TS_execute_recurse with TS_EXEC_EMPTY: above any phrase operator positions do not matter, so an operand holds
 * when the vector has the lexeme (with or without positions). A phrase operator is handed to TS_phrase_execute,
 * and its MAYBE (an operand without positions) counts as no match right there, even under a NOT.
 */
function execute(node: TsQuery, positionsOf: PositionsOf): boolean {
  switch (node.kind) {
    case 'term':
      return positionsOf(node.lexeme) !== undefined;
    case 'not':
      return !execute(node.arg, positionsOf);
    case 'and':
      return execute(node.left, positionsOf) && execute(node.right, positionsOf);
    case 'or':
      return execute(node.left, positionsOf) || execute(node.right, positionsOf);
    case 'phrase':
      return phraseExecute(node, positionsOf, emptyData()) === YES;
  }
}

/**
 * `vector @@ query` (ts_match_vq) for a non-empty query; `positionsOf` looks lexemes up in the vector (positions
 * are compared without their weights). An empty tsquery (parseTsQuery's null) matches nothing.
 */
export function tsMatches(query: TsQuery, positionsOf: PositionsOf): boolean {
  return execute(query, positionsOf);
}
