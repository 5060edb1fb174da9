// The packages' names and search heads (name and summary lexemes, `packages.search_head`) held in memory, so that
// the name, full-text and similar-name parts of a search are answered without Postgres, with the same results
// and the same sort keys as the SQL statement in api/resolvers/search.ts (test/search-index.int.test.ts compares
// the two over a generated data set). Postgres still computes every lexeme: the index is fed `search_head::text`
// and the queries' `websearch_to_tsquery(...)::text`, so stemming, stop words and the parser stay Postgres's.
//
// Layout: each package has a stable id (its slot in the arrays below). Postings map a lexeme to the ids of the
// heads that hold it, ascending, with the lexeme's part of the rank (calc_rank_or's per-entry value) beside each.
// A query of one lexeme, or of two alternatives (a word and its English stem), reads its postings in impact order
// and stops once it has a page. Any other query takes its candidates from the postings (AND and phrases intersect,
// from the shortest list; OR unites), adds up each candidate's parts of the query's lexemes in Postgres's order (so
// the float arithmetic is the same), marks which lexemes it has (a bit each), evaluates the query on those bits,
// and checks phrases on the head's positions only for the heads that pass. Names are the ids sorted by lower-cased
// name (exact names and prefixes, by binary search); similar names are a trigram index per registry.
//
// Strings are compared by UTF-16 code unit, which is Postgres's order (C collation: by UTF-8 bytes) for every
// character below U+E000; names are ASCII in practice.
import { type TsQuery, parseTsVector, queryLexemes } from './tsText';
import { tsMatches } from './tsMatch';
import { addImpact, finishRankOr, termImpact } from './tsRank';
import { DEFAULT_THRESHOLD, lowerAsPostgres, TrigramIndex } from './trigrams';

/** The similarity a first, cheaper look for similar names stops at (pg_trgm's `%` goes down to DEFAULT_THRESHOLD). */
const CLOSE_SIMILARITY = 0.5;

export const EXACT = 0;
export const PREFIX = 1;
export const TEXT = 2;
export const SIMILAR = 3;

/** A search result before its package row is read: the order of results, and so the keyset cursor. */
export interface Hit {
  tier: number;
  sort_key: number;
  registry: string;
  name: string;
}

/** tier, sort key, registry, name (as api/resolvers/search.ts's SearchKey). */
export type HitKey = readonly [number, number, string, string];

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Two hits' fields in result order. Passed apart, so that neither side need be made into an object or a key first:
 * the walks compare every candidate with the heap's worst hit and the cursor.
 */
function compareFields(tier: number, sortKey: number, registry: string, name: string, tierB: number, sortKeyB: number, registryB: string, nameB: string): number {
  return tier - tierB || sortKey - sortKeyB || compareText(registry, registryB) || compareText(name, nameB);
}

export function compareHits(a: Hit, b: Hit): number {
  return compareFields(a.tier, a.sort_key, a.registry, a.name, b.tier, b.sort_key, b.registry, b.name);
}

function isAfterFields(tier: number, sortKey: number, registry: string, name: string, after: HitKey | null): boolean {
  return !after || compareFields(tier, sortKey, registry, name, after[0], after[1], after[2], after[3]) > 0;
}

/** Postgres's length(): characters, not UTF-16 units. */
function characters(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) n--; // the first half of a surrogate pair: one character, two units
  }
  return n;
}

/** The best `limit` hits offered, in result order: a bounded max-heap, so a common prefix costs no full sort. */
class TopHits {
  private readonly heap: Hit[] = [];
  constructor(private readonly limit: number) {}

  /** Whether a hit with these fields would be kept: checked before the hit is made. */
  wouldKeepFields(tier: number, sortKey: number, registry: string, name: string): boolean {
    if (this.heap.length < this.limit) return true;
    const worst = this.heap[0]!;
    return compareFields(tier, sortKey, registry, name, worst.tier, worst.sort_key, worst.registry, worst.name) < 0;
  }

  offer(hit: Hit): void {
    if (this.limit <= 0) return;
    const heap = this.heap;
    if (heap.length < this.limit) {
      heap.push(hit);
      let i = heap.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (compareHits(heap[i]!, heap[parent]!) <= 0) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    } else if (compareHits(hit, heap[0]!) < 0) {
      heap[0] = hit;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let worst = i;
        if (l < heap.length && compareHits(heap[l]!, heap[worst]!) > 0) worst = l;
        if (r < heap.length && compareHits(heap[r]!, heap[worst]!) > 0) worst = r;
        if (worst === i) break;
        [heap[i], heap[worst]] = [heap[worst]!, heap[i]!];
        i = worst;
      }
    }
  }

  sorted(): Hit[] {
    return [...this.heap].sort(compareHits);
  }
}

interface Posting {
  /** Ids holding the lexeme, ascending. */
  ids: number[];
  /** The lexeme's calc_rank_or part for each id (termImpact of its positions). */
  impacts: number[];
  /**
   * Indexes into ids by impact (highest first), then registry and name: the order a one-lexeme search shows them in.
   * Made when first needed, dropped when the posting changes.
   */
  byImpact?: Int32Array;
}

/** Lexemes a query may have for the bit-per-lexeme evaluation. */
const MAX_QUERY_LEXEMES = 30;

/** Whether the query holds on a head whose query lexemes are the bits of `mask` (phrases read as AND). */
function holdsOnBits(node: TsQuery, bitOf: Map<string, number>, mask: number): boolean {
  switch (node.kind) {
    case 'term':
      return (mask & (1 << bitOf.get(node.lexeme)!)) !== 0;
    case 'not':
      return !holdsOnBits(node.arg, bitOf, mask);
    case 'and':
    case 'phrase':
      return holdsOnBits(node.left, bitOf, mask) && holdsOnBits(node.right, bitOf, mask);
    case 'or':
      return holdsOnBits(node.left, bitOf, mask) || holdsOnBits(node.right, bitOf, mask);
  }
}

/** Whether the query is one lexeme, or lexemes any of which matches. */
function onlyTermsOred(node: TsQuery): boolean {
  return node.kind === 'term' || (node.kind === 'or' && onlyTermsOred(node.left) && onlyTermsOred(node.right));
}

function hasPhrase(node: TsQuery): boolean {
  if (node.kind === 'phrase') return true;
  if (node.kind === 'term') return false;
  if (node.kind === 'not') return hasPhrase(node.arg);
  return hasPhrase(node.left) || hasPhrase(node.right);
}

/** `Row`: what the index keeps of each package beside its name and head (the API keeps the row a result shows). */
export class PackageSearchIndex<Row = unknown> {
  private readonly registries: string[] = [];
  private readonly names: string[] = [];
  private readonly lowerNames: string[] = [];
  /** Each name's length in characters (Postgres's length()): a prefix match's sort key. */
  private readonly lengths: number[] = [];
  /** Each package's search_head text: read again for phrases, and for taking its postings out on a change. */
  private readonly heads: (string | null)[] = [];
  private readonly rows: (Row | undefined)[] = [];
  private readonly ids = new Map<string, number>();
  /** Ids by lower-cased name, then registry, then name. */
  private byLowerName: number[] = [];
  private byLowerNameSorted = true;
  private readonly postings = new Map<string, Posting>();
  /** One trigram index per registry: most searches name one, and then read only its names' lists. */
  private readonly trigrams = new Map<string, TrigramIndex>();

  get size(): number {
    return this.names.length;
  }

  /** What was kept of a package with its last upsert. */
  row(registry: string, name: string): Row | undefined {
    const id = this.ids.get(`${registry}\u0000${name}`);
    return id === undefined ? undefined : this.rows[id];
  }

  /**
   * Adds a package or replaces its search head and row. `headText` is `search_head::text` (null: nothing to match).
   */
  upsert(registry: string, name: string, headText: string | null, row?: Row): void {
    const key = `${registry}\u0000${name}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(key, id);
      this.registries.push(registry);
      this.names.push(name);
      const lower = lowerAsPostgres(name); // Postgres's lower(name), as the SQL compares names
      this.lowerNames.push(lower);
      this.lengths.push(characters(name));
      this.heads.push(null);
      this.rows.push(undefined);
      this.insertByLowerName(id);
      let trigrams = this.trigrams.get(registry);
      if (!trigrams) this.trigrams.set(registry, (trigrams = new TrigramIndex()));
      trigrams.add(id, lower);
    }
    this.rows[id] = row;
    if (this.heads[id] === headText) return;
    if (this.heads[id] !== null) this.removePostings(id, this.heads[id]!);
    this.heads[id] = headText;
    if (headText !== null) this.addPostings(id, headText);
  }

  private insertByLowerName(id: number): void {
    if (!this.byLowerNameSorted) {
      this.byLowerName.push(id);
      return;
    }
    const at = this.lowerBound(id);
    this.byLowerName.splice(at, 0, id);
  }

  private compareIds(a: number, b: number): number {
    return compareText(this.lowerNames[a]!, this.lowerNames[b]!) || compareText(this.registries[a]!, this.registries[b]!) || compareText(this.names[a]!, this.names[b]!);
  }

  /** The first place in byLowerName not before id. */
  private lowerBound(id: number): number {
    let lo = 0;
    let hi = this.byLowerName.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compareIds(this.byLowerName[mid]!, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Many packages at once (the load at start, page after page): the name order is sorted, and the trigram indexes
   * compacted, once at the end (when `load` settles, if it is asynchronous). The index answers nothing meanwhile.
   */
  bulk<T extends Promise<void> | void>(load: (upsert: (registry: string, name: string, headText: string | null, row?: Row) => void) => T): T {
    this.byLowerNameSorted = false;
    let loading: T;
    try {
      loading = load((registry, name, headText, row) => this.upsert(registry, name, headText, row));
    } catch (err) {
      this.endBulk();
      throw err;
    }
    if (loading instanceof Promise) return loading.finally(() => this.endBulk()) as T;
    this.endBulk();
    return loading;
  }

  private endBulk(): void {
    this.byLowerName.sort((a, b) => this.compareIds(a, b));
    this.byLowerNameSorted = true;
    for (const trigrams of this.trigrams.values()) trigrams.compact();
  }

  /**
   * Gives back the room arrays grew into while loading (up to half of each posting list): copies of their exact
   * size. For after a load; lists grow again only by the few changes that follow.
   */
  trim(): void {
    for (const posting of this.postings.values()) {
      posting.ids = posting.ids.slice();
      posting.impacts = posting.impacts.slice();
    }
  }

  private addPostings(id: number, headText: string): void {
    for (const [lexeme, positions] of parseTsVector(headText)) {
      let posting = this.postings.get(lexeme);
      if (!posting) this.postings.set(lexeme, (posting = { ids: [], impacts: [] }));
      const impact = termImpact(positions);
      const { ids, impacts } = posting;
      posting.byImpact = undefined;
      if (ids.length === 0 || ids[ids.length - 1]! < id) {
        ids.push(id);
        impacts.push(impact);
      } else {
        const at = firstAtLeast(ids, id);
        ids.splice(at, 0, id);
        impacts.splice(at, 0, impact);
      }
    }
  }

  private removePostings(id: number, headText: string): void {
    for (const lexeme of parseTsVector(headText).keys()) {
      const posting = this.postings.get(lexeme);
      if (!posting) continue;
      const at = firstAtLeast(posting.ids, id);
      if (posting.ids[at] !== id) continue;
      posting.byImpact = undefined;
      posting.ids.splice(at, 1);
      posting.impacts.splice(at, 1);
      if (posting.ids.length === 0) this.postings.delete(lexeme);
    }
  }

  /** Names equal to the query (EXACT), then starting with it (PREFIX, by length): the SQL's `names` part. */
  nameHits(term: string, registry: string | null, after: HitKey | null, limit: number): Hit[] {
    if ((after?.[0] ?? EXACT) > PREFIX) return [];
    const top = new TopHits(limit);
    // Every name starting with the term, the term itself (EXACT) included, is in one run of the name order.
    const lo = this.lowerBoundOfText(term);
    for (let i = lo; i < this.byLowerName.length; i++) {
      const id = this.byLowerName[i]!;
      const lower = this.lowerNames[id]!;
      if (!lower.startsWith(term)) break;
      const reg = this.registries[id]!;
      if (registry !== null && reg !== registry) continue;
      const name = this.names[id]!;
      const tier = lower.length === term.length ? EXACT : PREFIX;
      const sortKey = tier === EXACT ? 0 : this.lengths[id]!;
      if (isAfterFields(tier, sortKey, reg, name, after) && top.wouldKeepFields(tier, sortKey, reg, name)) top.offer({ tier, sort_key: sortKey, registry: reg, name });
    }
    return top.sorted();
  }

  /** The first place in byLowerName whose lower-cased name is not before `text`. */
  private lowerBoundOfText(text: string): number {
    let lo = 0;
    let hi = this.byLowerName.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lowerNames[this.byLowerName[mid]!]! < text) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Whether some package (in any registry) has a name starting with the term. */
  private anyNameStartsWith(term: string): boolean {
    const at = this.lowerBoundOfText(term);
    return at < this.byLowerName.length && this.lowerNames[this.byLowerName[at]!]!.startsWith(term);
  }

  /**
   * Heads matching `matched`, ranked by ts_rank(search_head, ranked, 32) as the SQL's `heads` part ranks them, names
   * starting with the term left out. Null when the query is beyond this evaluation (then the caller asks Postgres):
   * a query that could match a head holding none of its lexemes (a lone negation), a rank Postgres computes with
   * calc_rank_and (a ranked query whose root is not an OR), or more lexemes than bits.
   */
  headHits(term: string, matched: TsQuery, ranked: TsQuery, registry: string | null, after: HitKey | null, limit: number): Hit[] | null {
    const lexemes = queryLexemes(ranked);
    if (lexemes.length > MAX_QUERY_LEXEMES) return null;
    if ((ranked.kind === 'and' || ranked.kind === 'phrase') && lexemes.length >= 2) return null;
    const bitOf = new Map(lexemes.map((lexeme, i) => [lexeme, i]));
    if (holdsOnBits(matched, bitOf, 0)) return null;
    if (lexemes.length <= 2 && onlyTermsOred(matched) && onlyTermsOred(ranked) && queryLexemes(matched).length === lexemes.length) {
      return this.eitherLexemeHits(term, lexemes, registry, after, limit);
    }
    const candidates = this.candidates(matched);
    if (candidates === null) return null;
    // Each candidate's rank, summed over the ranked lexemes in Postgres's order (float sums are not associative), and
    // which of them it holds: each posting walked beside the candidates, leaping ahead where it is much longer.
    const partial = new Float64Array(candidates.length);
    const masks = new Int32Array(candidates.length);
    for (let bit = 0; bit < lexemes.length; bit++) {
      const posting = this.postings.get(lexemes[bit]!);
      if (!posting) continue;
      const { ids, impacts } = posting;
      let j = 0;
      for (let c = 0; c < candidates.length && j < ids.length; c++) {
        const id = candidates[c]!;
        if (ids[j]! < id) j = leapTo(ids, id, j);
        if (ids[j] === id) {
          partial[c] = addImpact(partial[c]!, impacts[j]!);
          masks[c]! |= 1 << bit;
          j++;
        }
      }
    }
    const holds = new Map<number, boolean>();
    const verifyPhrases = hasPhrase(matched);
    const excludeNames = this.anyNameStartsWith(term);
    const top = new TopHits(limit);
    for (let c = 0; c < candidates.length; c++) {
      const id = candidates[c]!;
      const reg = this.registries[id]!;
      if (registry !== null && reg !== registry) continue;
      const mask = masks[c]!;
      let verdict = holds.get(mask);
      if (verdict === undefined) holds.set(mask, (verdict = holdsOnBits(matched, bitOf, mask)));
      if (!verdict) continue;
      if (excludeNames && this.lowerNames[id]!.startsWith(term)) continue;
      const sortKey = -1 - finishRankOr(partial[c]!, lexemes.length);
      const name = this.names[id]!;
      if (!isAfterFields(TEXT, sortKey, reg, name, after) || !top.wouldKeepFields(TEXT, sortKey, reg, name)) continue;
      if (verifyPhrases) {
        const vector = parseTsVector(this.heads[id]!);
        if (!tsMatches(matched, (lexeme) => vector.get(lexeme))) continue;
      }
      top.offer({ tier: TEXT, sort_key: sortKey, registry: reg, name });
    }
    return top.sorted();
  }

  /**
   * headHits for a query of one lexeme, or two either of which matches (a word whose English stem differs:
   * 'storage' | 'storag'), without ranking every match. A head with one of the lexemes ranks by that lexeme's impact
   * alone, so those heads are read from the lexeme's posting in impact order, each walk stopping once it has a page
   * and the next head ranks lower; the heads with both (fewer) are ranked one by one.
   */
  private eitherLexemeHits(term: string, lexemes: string[], registry: string | null, after: HitKey | null, limit: number): Hit[] {
    const postings = lexemes.map((lexeme) => this.postings.get(lexeme));
    const excludeNames = this.anyNameStartsWith(term);
    const top = new TopHits(limit);
    const count = lexemes.length;
    const consider = (id: number, sortKey: number): boolean => {
      const reg = this.registries[id]!;
      if (registry !== null && reg !== registry) return false;
      if (excludeNames && this.lowerNames[id]!.startsWith(term)) return false;
      const name = this.names[id]!;
      if (!isAfterFields(TEXT, sortKey, reg, name, after)) return false;
      if (top.wouldKeepFields(TEXT, sortKey, reg, name)) top.offer({ tier: TEXT, sort_key: sortKey, registry: reg, name });
      return true;
    };
    // Heads with both lexemes: their two parts added in Postgres's order.
    const [first, second] = postings;
    if (count === 2 && first && second) {
      let j = 0;
      for (let i = 0; i < first.ids.length && j < second.ids.length; i++) {
        const id = first.ids[i]!;
        if (second.ids[j]! < id) j = leapTo(second.ids, id, j);
        if (second.ids[j] === id) consider(id, -1 - finishRankOr(addImpact(addImpact(0, first.impacts[i]!), second.impacts[j]!), count));
      }
    }
    // Heads with one of them, in impact order. Equal impacts come by registry and name, the order of results, so a
    // walk that has a page stops at the first head ranking no better than the page's last.
    for (let which = 0; which < count; which++) {
      const posting = postings[which];
      if (!posting) continue;
      const other = count === 2 ? postings[1 - which] : undefined;
      const order = this.impactOrder(posting);
      let kept = 0;
      let lastKey = -Infinity;
      let lastImpact = NaN;
      let sortKey = NaN;
      let keyOf = NaN;
      for (let k = 0; k < order.length; k++) {
        const j = order[k]!;
        const impact = posting.impacts[j]!;
        if (impact !== keyOf) {
          sortKey = -1 - finishRankOr(addImpact(0, impact), count);
          keyOf = impact;
        }
        if (kept >= limit && (sortKey > lastKey || (sortKey === lastKey && impact === lastImpact))) break;
        const id = posting.ids[j]!;
        // The cheap refusals first; a head with both lexemes was ranked above.
        if (registry !== null && this.registries[id] !== registry) continue;
        if (excludeNames && this.lowerNames[id]!.startsWith(term)) continue;
        if (other && other.ids[firstAtLeast(other.ids, id)] === id) continue;
        if (consider(id, sortKey)) {
          kept++;
          lastKey = sortKey;
          lastImpact = impact;
        }
      }
    }
    return top.sorted();
  }

  private impactOrder(posting: Posting): Int32Array {
    if (!posting.byImpact) {
      const { ids, impacts } = posting;
      const order = Int32Array.from(ids.keys());
      order.sort((a, b) => impacts[b]! - impacts[a]! || this.compareRegistryName(ids[a]!, ids[b]!));
      posting.byImpact = order;
    }
    return posting.byImpact;
  }

  private compareRegistryName(a: number, b: number): number {
    return compareText(this.registries[a]!, this.registries[b]!) || compareText(this.names[a]!, this.names[b]!);
  }

  /**
   * Ids that may match the query, ascending: a superset of its matches, exact but for phrases (read as AND) and
   * negations (read as no constraint). Null: no bound (a negation alone, or an OR with one).
   */
  private candidates(node: TsQuery): readonly number[] | null {
    switch (node.kind) {
      case 'term':
        return this.postings.get(node.lexeme)?.ids ?? [];
      case 'not':
        return null;
      case 'and':
      case 'phrase': {
        const left = this.candidates(node.left);
        const right = this.candidates(node.right);
        if (left === null) return right;
        if (right === null) return left;
        return intersect(left, right);
      }
      case 'or': {
        const left = this.candidates(node.left);
        const right = this.candidates(node.right);
        if (left === null || right === null) return null;
        return union(left, right);
      }
    }
  }

  /** Names that look like the term (pg_trgm's `%` and similarity()), as the SQL's `similars` part. */
  similarHits(term: string, registry: string | null, after: HitKey | null, limit: number): Hit[] {
    const indexes = registry === null ? [...this.trigrams.values()] : [this.trigrams.get(registry)].filter((index) => index !== undefined);
    // First only the closest names (a stricter threshold reads fewer trigram lists): when they fill the page, no name
    // less alike could be on it.
    for (const threshold of [CLOSE_SIMILARITY, DEFAULT_THRESHOLD]) {
      const top = new TopHits(limit);
      let shown = 0;
      for (const { id, similarity } of indexes.flatMap((index) => index.similar(term, undefined, threshold))) {
        const reg = this.registries[id]!;
        const name = this.names[id]!;
        if (!isAfterFields(SIMILAR, -similarity, reg, name, after)) continue;
        shown++;
        if (top.wouldKeepFields(SIMILAR, -similarity, reg, name)) top.offer({ tier: SIMILAR, sort_key: -similarity, registry: reg, name });
      }
      if (shown >= limit || threshold === DEFAULT_THRESHOLD) return top.sorted();
    }
    return [];
  }

}

/** The first index from `from` on whose value is not below `value`: galloping, then a binary search. */
function leapTo(values: readonly number[], value: number, from: number): number {
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < values.length && values[hi]! < value) {
    lo = hi;
    step *= 2;
    hi = from + step;
  }
  hi = Math.min(hi, values.length);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The ids in both sorted lists: the shorter walked, the longer leapt through. */
function intersect(a: readonly number[], b: readonly number[]): number[] {
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  const both: number[] = [];
  let j = 0;
  for (let i = 0; i < short.length && j < long.length; i++) {
    const id = short[i]!;
    if (long[j]! < id) j = leapTo(long, id, j);
    if (long[j] === id) both.push(id);
  }
  return both;
}

/** The ids in either sorted list, once each. */
function union(a: readonly number[], b: readonly number[]): readonly number[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const either: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i]! : Infinity;
    const y = j < b.length ? b[j]! : Infinity;
    if (x <= y) i++;
    if (y <= x) j++;
    either.push(Math.min(x, y));
  }
  return either;
}

/** The first index of a sorted array whose value is not below `value`. */
function firstAtLeast(values: number[], value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
