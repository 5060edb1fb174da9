// pg_trgm's trigrams, similarity() and `%` (Postgres 15, contrib/pg_trgm/trgm_op.c), computed in-process, with an
// index that finds every name whose similarity to a query reaches the threshold without reading all the names.
//
// Trigrams (generate_trgm). A word is a run of word characters: ASCII letters and digits, and every other character
// that glibc's iswalpha() or iswdigit() accepts (Postgres asks the C library: t_isalpha, t_isdigit). Each word is
// lower-cased character by character (str_tolower: towlower() per character), padded with two spaces before and
// one after, and every 3-character window of it is a trigram; the text's trigrams are the distinct ones of all its
// words. Postgres keeps a trigram in 3 bytes: three one-byte (ASCII) characters as they are, anything else as 3
// bytes of a CRC of the window's UTF-8 bytes (compact_trigram, the "legacy" CRC-32). Here a trigram is that same
// 3-byte value, as a 24-bit integer (byte 0 high): so two windows that Postgres's hash makes equal are equal here
// too, and the count of distinct trigrams — which is all similarity() looks at — is Postgres's in every case, hash
// collisions included. `trigramsOf` prints them as show_trgm does, in its order.
//
// Characters are classified with Unicode properties (Alphabetic, Nd) and lower-cased with String#toLowerCase taken
// one code point at a time (towlower maps one character to one: İ becomes i, a final Σ becomes σ). Against glibc
// 2.36's C.UTF-8 tables (Postgres 15 on Debian 12), measured over every code point: the lower-casing differs for 55
// characters added to Unicode after glibc's tables were made; the word characters are a superset, differing for the
// Alphabetic combining marks U+0363–036F and U+1DD3–1DE6 and for characters added after Unicode 14 (all outside
// what package names hold). `lowerAsPostgres` is Postgres's lower() with the same per-character rule (String#
// toLowerCase is not: it lower-cases a final Σ to ς and İ to two characters).
//
// similarity(a, b) is cnt_sml: with c the trigrams both texts have and la, lb their counts of distinct trigrams,
// c / (la + lb - c) computed in float4 (0 when either has none); `a % b` is similarity(a, b) >= the threshold (a
// double; pg_trgm.similarity_threshold's default is 0.3). A float4 division of two small integers is the float4
// nearest the exact quotient, and rounding the double quotient to float4 gives the same (Math.fround).
//
// TrigramIndex. Each add() gets a slot: slots are numbered in the order they are made, so a posting list — the
// slots whose text has a trigram — is ascending when entries are only appended. An id's current slot is
// `slotOf[id]`; removing an id (or re-adding it, which makes a new slot) leaves its old slot dead in place (a
// tombstone), skipped by queries, and compact() — run by remove() once dead slots pass a quarter of all, or by the
// owner after a bulk load — renumbers the live slots densely in the same order (lists stay ascending) and drops
// the dead entries and the lists left empty. All posting lists live in one Int32Array pool, each at
// [start, start + length) with room up to its capacity; a full list moves to the free end of the pool with twice
// the room, and a full pool is copied into a new one with an eighth more room per list and a quarter more at the
// end (so copies come at geometric intervals); compact() packs tight. No object per trigram or per name: about
// 4 bytes per trigram of each text (18.5 for a package name on average) and 16 per slot (id, trigram count, query
// counter, and the id's slot) — about 100 bytes a name after compact(), measured over 300,000 package names.
//
// similar(query). With q the query's distinct trigrams (|q| of them) and threshold t > 0:
//   Bound. A text that shares c of q's trigrams and has n >= c of its own has similarity fround(c / (|q| + n - c))
//   <= fround(c / |q|) (the denominator is at least |q| since n >= c, and division and fround are monotonic). So a
//   match has c >= m, the least c with fround(c / |q|) >= t: in real numbers m = ceil(t * |q|); found here by the
//   same float test `%` makes, so rounding cannot put it one too high and lose a match.
//   Candidates (pigeonhole). Take the |q| - m + 1 query trigrams with the shortest posting lists. A match shares
//   at least m trigrams with q, and at most m - 1 of those can be among the other m - 1 trigrams, so it shares at
//   least one of the rare ones: it is in at least one of their lists. Only those lists are read (a query's common
//   trigrams, "  s" or "er ", are the long lists); a counter per slot (one Int32Array, zeroed again after each
//   query, kept from query to query) counts each candidate's rare trigrams, and the first count of a slot puts it
//   in the candidates (another kept array).
//   Verification. For a text of n trigrams, the shared count it needs is known (similarity grows with c and falls
//   with n): `maxLength[c]` is the largest n that c shared trigrams still admit. A candidate whose count plus the
//   common trigrams left to check cannot reach its need is dropped; the rest are looked up in the common lists by
//   binary search (lists are ascending), so the exact c, and the exact float4 similarity, are known for each match.
// A threshold of 0 or less matches every text, as `%` does (a similarity is never negative).

/** pg_trgm.similarity_threshold's default. */
export const DEFAULT_THRESHOLD = 0.3;

const SPACE = 0x20;

// --- Characters ---------------------------------------------------------------------------------------------

const WORD_CHARACTER = /^[\p{Alphabetic}\p{Nd}]$/u;
/** In `folded`'s values: the character is not a word character. */
const NOT_WORD = 1 << 21;
const folded = new Map<number, number>();

/** A non-ASCII code point's lower-case form (towlower), with NOT_WORD set when it separates words. */
function foldNonAscii(cp: number): number {
  let value = folded.get(cp);
  if (value === undefined) {
    const character = String.fromCodePoint(cp);
    value = character.toLowerCase().codePointAt(0)! | (WORD_CHARACTER.test(character) ? 0 : NOT_WORD);
    if (folded.size < 1 << 16) folded.set(cp, value);
  }
  return value;
}

/** The code point at `i` of `text` (a lone surrogate as itself). */
function codePointAt(text: string, i: number): number {
  const unit = text.charCodeAt(i);
  if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
    const low = text.charCodeAt(i + 1);
    if (low >= 0xdc00 && low <= 0xdfff) return ((unit - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
  }
  return unit;
}

/** Postgres's lower() (libc collation, UTF-8): towlower() on each character. */
export function lowerAsPostgres(text: string): string {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return text.toLowerCase();
  let out = '';
  for (let i = 0; i < text.length; ) {
    const cp = codePointAt(text, i);
    i += cp > 0xffff ? 2 : 1;
    if (cp < 0x80) out += String.fromCharCode(cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp);
    else out += String.fromCodePoint(foldNonAscii(cp) & (NOT_WORD - 1));
  }
  return out;
}

// --- Trigram values -----------------------------------------------------------------------------------------

/** The byte-wise CRC-32 table of the reflected polynomial (Postgres's pg_crc32_table). */
const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c;
  }
  return table;
})();

/** One byte into Postgres's legacy CRC-32 (COMP_LEGACY_CRC32: the table above, shifted the "normal" way). */
function crcByte(crc: number, byte: number): number {
  return CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]! ^ (crc << 8);
}

function crcCodePoint(crc: number, cp: number): number {
  if (cp < 0x80) return crcByte(crc, cp);
  if (cp < 0x800) return crcByte(crcByte(crc, 0xc0 | (cp >> 6)), 0x80 | (cp & 0x3f));
  if (cp < 0x10000) return crcByte(crcByte(crcByte(crc, 0xe0 | (cp >> 12)), 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
  crc = crcByte(crcByte(crc, 0xf0 | (cp >> 18)), 0x80 | ((cp >> 12) & 0x3f));
  return crcByte(crcByte(crc, 0x80 | ((cp >> 6) & 0x3f)), 0x80 | (cp & 0x3f));
}

/** The trigram of three (lower-cased) characters as the 24-bit value of its 3 bytes, as compact_trigram makes it. */
function trigramValue(a: number, b: number, c: number): number {
  if ((a | b | c) < 0x80) return (a << 16) | (b << 8) | c;
  const crc = ~crcCodePoint(crcCodePoint(crcCodePoint(-1, a), b), c);
  // The first 3 bytes of the CRC in memory (little-endian): its low byte first.
  return ((crc & 0xff) << 16) | (crc & 0xff00) | ((crc >>> 16) & 0xff);
}

let scratch = new Int32Array(256);

/** Writes the text's distinct trigram values to `scratch`, ascending; returns how many. */
function collect(text: string): number {
  // A word of k characters makes k + 1 trigrams, and words are apart: at most 2 per UTF-16 unit.
  if (scratch.length < 2 * text.length + 2) scratch = new Int32Array(2 * text.length + 64);
  const buffer = scratch;
  let n = 0;
  let inWord = false;
  let a = SPACE;
  let b = SPACE;
  for (let i = 0; i < text.length; ) {
    let cp = text.charCodeAt(i);
    let lower: number;
    if (cp < 0x80) {
      i++;
      if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39)) lower = cp;
      else if (cp >= 0x41 && cp <= 0x5a) lower = cp + 32;
      else lower = -1;
    } else {
      cp = codePointAt(text, i);
      i += cp > 0xffff ? 2 : 1;
      const f = foldNonAscii(cp);
      lower = f & NOT_WORD ? -1 : f;
    }
    if (lower >= 0) {
      if (!inWord) {
        inWord = true;
        a = SPACE;
        b = SPACE;
      }
      buffer[n++] = trigramValue(a, b, lower);
      a = b;
      b = lower;
    } else if (inWord) {
      inWord = false;
      buffer[n++] = trigramValue(a, b, SPACE);
    }
  }
  if (inWord) buffer[n++] = trigramValue(a, b, SPACE);
  if (n < 2) return n;
  if (n <= 48) {
    // Insertion sort: a name has a few dozen trigrams, and a typed array's sort() costs more to set up.
    for (let i = 1; i < n; i++) {
      const value = buffer[i]!;
      let j = i - 1;
      while (j >= 0 && buffer[j]! > value) {
        buffer[j + 1] = buffer[j]!;
        j--;
      }
      buffer[j + 1] = value;
    }
  } else {
    buffer.subarray(0, n).sort();
  }
  let unique = 1;
  for (let i = 1; i < n; i++) if (buffer[i] !== buffer[unique - 1]) buffer[unique++] = buffer[i]!;
  return unique;
}

/** The text's distinct trigrams as 24-bit values (3 bytes, the first high), ascending. */
export function trigramValues(text: string): Int32Array {
  return scratch.slice(0, collect(text));
}

function isPrintable(byte: number): boolean {
  return byte === SPACE || (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

/** A trigram as show_trgm prints it: its 3 characters, or `0x` and the hex of its bytes when one is not printable. */
function showTrigram(value: number): string {
  const b0 = value >>> 16;
  const b1 = (value >>> 8) & 0xff;
  const b2 = value & 0xff;
  if (isPrintable(b0) && isPrintable(b1) && isPrintable(b2)) return String.fromCharCode(b0, b1, b2);
  return `0x${value.toString(16).padStart(6, '0')}`;
}

/**
 * The distinct trigrams pg_trgm makes of the text, exactly as show_trgm(text) returns them: in its order (bytes
 * compared as signed chars, as on x86-64) and printed as it prints them.
 */
export function trigramsOf(text: string): string[] {
  const n = collect(text);
  // XOR with 0x808080 turns signed-byte order into unsigned order.
  const order = scratch.slice(0, n).map((v) => v ^ 0x808080).sort();
  return Array.from(order, (v) => showTrigram(v ^ 0x808080));
}

/** How many values two ascending arrays share. */
function shared(a: Int32Array, b: Int32Array): number {
  let i = 0;
  let j = 0;
  let count = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x < y) i++;
    else if (x > y) j++;
    else {
      count++;
      i++;
      j++;
    }
  }
  return count;
}

/** cnt_sml's float4 result for c shared trigrams of la and lb. */
function ratio(c: number, la: number, lb: number): number {
  return Math.fround(c / (la + lb - c));
}

/** pg_trgm's similarity(a, b): a float4, as a number. */
export function similarity(a: string, b: string): number {
  const ta = trigramValues(a);
  const tb = trigramValues(b);
  if (ta.length === 0 || tb.length === 0) return 0;
  return ratio(shared(ta, tb), ta.length, tb.length);
}

// --- Index ------------------------------------------------------------------------------------------------

export interface SimilarHit {
  id: number;
  similarity: number;
}

const MAX_ID = 0x7ffffffe;
/** compact() once dead slots are more than this part of all slots (and at least MIN_GARBAGE of them). */
const GARBAGE_FRACTION = 0.25;
const MIN_GARBAGE = 1024;

function grownInt32(array: Int32Array, size: number, fill = 0): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(Math.max(size, Math.ceil(array.length * 1.5), 16));
  grown.set(array);
  if (fill !== 0) grown.fill(fill, array.length);
  return grown;
}

function compareHits(x: SimilarHit, y: SimilarHit): number {
  return y.similarity - x.similarity || x.id - y.id;
}

export class TrigramIndex {
  /** Trigram value → its list's number. */
  private lists = new Map<number, number>();
  private listCount = 0;
  private listValue = new Int32Array(256);
  private listStart = new Int32Array(256);
  private listLength = new Int32Array(256);
  private listCapacity = new Int32Array(256);
  /** Every posting list, each ascending, at [listStart, listStart + listLength). */
  private pool = new Int32Array(4096);
  private poolTop = 0;
  /** Per slot: the id it was made for, and its text's count of distinct trigrams. */
  private slotId = new Int32Array(256);
  private slotTrigrams = new Int32Array(256);
  private slotCount = 0;
  private deadSlots = 0;
  /** Per id: its current slot, or -1. */
  private slotOf = new Int32Array(0);
  private live = 0;
  /** Per slot, query scratch: zero between queries. */
  private counters = new Int32Array(256);
  /** Query scratch: the candidates' slots (sized to the largest query yet). */
  private touched = new Int32Array(256);

  get size(): number {
    return this.live;
  }

  has(id: number): boolean {
    return id >= 0 && id < this.slotOf.length && this.slotOf[id]! >= 0;
  }

  /** Indexes `text` under `id`, replacing the text it had. */
  add(id: number, text: string): void {
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID) throw new RangeError(`TrigramIndex ids are integers from 0 to ${MAX_ID}, not ${id}`);
    if (this.has(id)) this.remove(id);
    if (id >= this.slotOf.length) this.slotOf = grownInt32(this.slotOf, id + 1, -1);
    if (this.slotCount === this.slotId.length) this.growSlots();
    const n = collect(text);
    const slot = this.slotCount++;
    // Set before appending: a repack of the pool during the appends keeps only live slots' entries.
    this.slotId[slot] = id;
    this.slotTrigrams[slot] = n;
    this.slotOf[id] = slot;
    this.live++;
    for (let i = 0; i < n; i++) {
      const value = scratch[i]!;
      let list = this.lists.get(value);
      if (list === undefined) list = this.newList(value);
      this.append(list, slot);
    }
  }

  /** Forgets `id` (nothing when it is not there). */
  remove(id: number): void {
    if (!this.has(id)) return;
    this.slotOf[id] = -1;
    this.live--;
    this.deadSlots++;
    if (this.deadSlots >= MIN_GARBAGE && this.deadSlots > this.slotCount * GARBAGE_FRACTION) this.compact();
  }

  /**
   * Every accepted id whose text is `%` the query at this threshold, with its similarity(query, text), by
   * similarity descending, then id. `accept` must not use this index.
   */
  similar(query: string, accept?: (id: number) => boolean, threshold = DEFAULT_THRESHOLD): SimilarHit[] {
    if (Number.isNaN(threshold)) return [];
    const q = trigramValues(query);
    const lq = q.length;
    if (!(threshold > 0)) return this.everything(q, accept);
    if (lq === 0) return [];

    // maxLength[c]: the most trigrams a text sharing c of the query's may have and still match (-1: none).
    const maxLength = new Int32Array(lq + 1).fill(-1);
    let m = 0;
    for (let c = lq; c >= 1; c--) {
      const most = longestMatching(c, lq, threshold);
      if (most < c) break; // fewer shared trigrams admit fewer texts: none below either
      maxLength[c] = most;
      m = c;
    }
    if (m === 0) return [];

    // The query's lists, rarest first.
    const lists: number[] = [];
    const lengths: number[] = [];
    for (let i = 0; i < lq; i++) {
      const list = this.lists.get(q[i]!);
      lists.push(list ?? -1);
      lengths.push(list === undefined ? 0 : this.listLength[list]!);
    }
    const order = lists.map((_, i) => i).sort((x, y) => lengths[x]! - lengths[y]!);
    const rare = lq - m + 1;

    const { pool, counters, listStart, listLength, slotId, slotOf, slotTrigrams } = this;
    let bound = 0;
    for (let k = 0; k < rare; k++) {
      const list = lists[order[k]!]!;
      if (list >= 0) bound += listLength[list]!;
    }
    if (this.touched.length < Math.min(bound, this.slotCount)) {
      this.touched = new Int32Array(Math.min(Math.max(bound, this.touched.length * 2), this.counters.length));
    }
    const { touched } = this;
    let candidates = 0;
    for (let k = 0; k < rare; k++) {
      const list = lists[order[k]!]!;
      if (list < 0) continue;
      const end = listStart[list]! + listLength[list]!;
      for (let p = listStart[list]!; p < end; p++) {
        const slot = pool[p]!;
        if (counters[slot]!++ === 0) touched[candidates++] = slot;
      }
    }

    const hits: SimilarHit[] = [];
    let next = 0;
    try {
      while (next < candidates) {
        const slot = touched[next++]!;
        let c = counters[slot]!;
        counters[slot] = 0;
        // Most candidates share too few trigrams for their length even if they had every common one.
        const n = slotTrigrams[slot]!;
        if (n > maxLength[c + lq - rare]!) continue;
        const id = slotId[slot]!;
        if (slotOf[id] !== slot) continue;
        if (accept && !accept(id)) continue;
        let possible = true;
        for (let k = rare; k < lq; k++) {
          const list = lists[order[k]!]!;
          if (list >= 0 && contains(pool, listStart[list]!, listLength[list]!, slot)) c++;
          else if (n > maxLength[c + lq - 1 - k]!) {
            possible = false;
            break;
          }
        }
        if (possible && n <= maxLength[c]!) hits.push({ id, similarity: ratio(c, lq, n) });
      }
    } finally {
      while (next < candidates) counters[touched[next++]!] = 0;
    }
    return hits.sort(compareHits);
  }

  /** A threshold of 0 or less: every accepted id, with its similarity. */
  private everything(q: Int32Array, accept?: (id: number) => boolean): SimilarHit[] {
    const { pool, counters, listStart, listLength } = this;
    for (let i = 0; i < q.length; i++) {
      const list = this.lists.get(q[i]!);
      if (list === undefined) continue;
      const end = listStart[list]! + listLength[list]!;
      for (let p = listStart[list]!; p < end; p++) counters[pool[p]!]!++;
    }
    const hits: SimilarHit[] = [];
    try {
      for (let slot = 0; slot < this.slotCount; slot++) {
        const id = this.slotId[slot]!;
        if (this.slotOf[id] !== slot || (accept && !accept(id))) continue;
        const n = this.slotTrigrams[slot]!;
        hits.push({ id, similarity: q.length === 0 || n === 0 ? 0 : ratio(counters[slot]!, q.length, n) });
      }
    } finally {
      counters.fill(0, 0, this.slotCount);
    }
    return hits.sort(compareHits);
  }

  /** Renumbers the live slots densely (same order) and drops dead entries and empty lists. */
  compact(): void {
    const { counters } = this;
    // counters[old slot] = new slot + 1 for live slots, as scratch (zeroed again below).
    let live = 0;
    for (let slot = 0; slot < this.slotCount; slot++) {
      const id = this.slotId[slot]!;
      if (this.slotOf[id] !== slot) continue;
      counters[slot] = live + 1;
      this.slotId[live] = id;
      this.slotTrigrams[live] = this.slotTrigrams[slot]!;
      this.slotOf[id] = live;
      live++;
    }
    const oldSlots = this.slotCount;
    this.slotCount = live;
    this.deadSlots = 0;
    this.repack(0, true);
    counters.fill(0, 0, oldSlots);
    const size = live + (live >>> 4) + 256;
    if (this.slotId.length > size) {
      this.slotId = this.slotId.slice(0, size);
      this.slotTrigrams = this.slotTrigrams.slice(0, size);
      this.counters = new Int32Array(size);
      if (this.touched.length > size) this.touched = new Int32Array(size);
    }
  }

  /**
   * Copies the lists into a new pool. For add() (the pool is full), each list gets an eighth more room and the pool
   * a quarter more at its end, so that repacks come at geometric intervals; for compact() — after a bulk load, or
   * to clear garbage — each list gets exactly its length and the pool a sixteenth more. `renumbered`: compact() has
   * set counters[old slot] to new slot + 1, and empty lists are dropped; otherwise slots and lists keep their
   * numbers (add() holds them) and only dead slots' entries go.
   */
  private repack(extra: number, renumbered: boolean): void {
    const { pool, counters, slotId, slotOf } = this;
    const filter = renumbered || this.deadSlots > 0;
    let entries = 0;
    for (let list = 0; list < this.listCount; list++) entries += this.listLength[list]!;
    const size = renumbered
      ? entries + (entries >>> 4) + extra + 1024
      : entries + (entries >>> 3) + this.listCount + (entries >>> 2) + extra + 1024;
    const fresh = new Int32Array(size);
    let top = 0;
    let kept = 0;
    if (renumbered) this.lists = new Map();
    for (let list = 0; list < this.listCount; list++) {
      const start = this.listStart[list]!;
      const end = start + this.listLength[list]!;
      const from = top;
      if (!filter) {
        fresh.set(pool.subarray(start, end), top);
        top += end - start;
      } else {
        for (let p = start; p < end; p++) {
          const slot = pool[p]!;
          if (renumbered) {
            const moved = counters[slot]!;
            if (moved !== 0) fresh[top++] = moved - 1;
          } else if (slotOf[slotId[slot]!] === slot) {
            fresh[top++] = slot;
          }
        }
      }
      const length = top - from;
      if (renumbered && length === 0) continue;
      const target = renumbered ? kept++ : list;
      const capacity = renumbered ? length : length + (length >>> 3) + 1;
      this.listStart[target] = from;
      this.listLength[target] = length;
      this.listCapacity[target] = capacity;
      if (renumbered) {
        this.listValue[target] = this.listValue[list]!;
        this.lists.set(this.listValue[list]!, target);
      }
      top = from + capacity;
    }
    if (renumbered) this.listCount = kept;
    this.pool = fresh;
    this.poolTop = top;
  }

  private newList(value: number): number {
    const list = this.listCount++;
    if (list === this.listValue.length) {
      this.listValue = grownInt32(this.listValue, list + 1);
      this.listStart = grownInt32(this.listStart, list + 1);
      this.listLength = grownInt32(this.listLength, list + 1);
      this.listCapacity = grownInt32(this.listCapacity, list + 1);
    }
    this.listValue[list] = value;
    this.listStart[list] = this.poolTop;
    this.listLength[list] = 0;
    this.listCapacity[list] = 0;
    this.lists.set(value, list);
    return list;
  }

  private append(list: number, slot: number): void {
    if (this.listLength[list] === this.listCapacity[list]) this.grow(list);
    this.pool[this.listStart[list]! + this.listLength[list]!++] = slot;
  }

  /** Makes room for at least one more entry in the list. */
  private grow(list: number): void {
    const start = this.listStart[list]!;
    const length = this.listLength[list]!;
    const capacity = this.listCapacity[list]!;
    const wanted = Math.max(2, capacity * 2);
    if (start + capacity === this.poolTop && start + wanted <= this.pool.length) {
      // The last list in the pool grows where it is.
      this.listCapacity[list] = wanted;
      this.poolTop = start + wanted;
      return;
    }
    if (this.poolTop + wanted > this.pool.length) {
      this.repack(wanted, false);
      if (this.listLength[list]! < this.listCapacity[list]!) return;
    }
    this.pool.copyWithin(this.poolTop, this.listStart[list]!, this.listStart[list]! + length);
    this.listStart[list] = this.poolTop;
    this.listCapacity[list] = wanted;
    this.poolTop += wanted;
  }

  private growSlots(): void {
    const size = Math.ceil(this.slotId.length * 1.5);
    this.slotId = grownInt32(this.slotId, size);
    this.slotTrigrams = grownInt32(this.slotTrigrams, size);
    this.counters = grownInt32(this.counters, size);
  }
}

/** Whether the ascending run pool[start, start + length) holds `slot`. */
function contains(pool: Int32Array, start: number, length: number, slot: number): boolean {
  let lo = start;
  let hi = start + length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const value = pool[mid]!;
    if (value < slot) lo = mid + 1;
    else if (value > slot) hi = mid;
    else return true;
  }
  return false;
}

/**
 * The largest n >= c for which a text of n trigrams sharing c of the query's lq matches at `threshold` (> 0):
 * fround(c / (lq + n - c)) >= threshold; less than c when none does. Similarity falls as n grows, so the texts
 * that match are those with n up to this.
 */
function longestMatching(c: number, lq: number, threshold: number): number {
  const limit = 0x7fffffff;
  const matches = (n: number) => ratio(c, lq, n) >= threshold;
  // c / (lq + n - c) >= t  <=>  n <= c / t - lq + c, before rounding; then step to the exact edge.
  let n = Math.min(limit, Math.max(c - 1, Math.floor(c / threshold) - lq + c));
  while (n >= c && !matches(n)) n--;
  while (n < limit && matches(n + 1)) n++;
  return n;
}
