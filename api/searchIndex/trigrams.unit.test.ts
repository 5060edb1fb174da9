import { Random } from '../../demo/random';
import { lowerAsPostgres, similarity, type SimilarHit, TrigramIndex, trigramsOf, trigramValues } from './trigrams';

const THIRD = Math.fround(1 / 3);

describe('trigramsOf (show_trgm)', () => {
  it('pads each word with two spaces before and one after and takes every window', () => {
    expect(trigramsOf('abc')).toEqual(['  a', ' ab', 'abc', 'bc ']);
    expect(trigramsOf('ab')).toEqual(['  a', ' ab', 'ab ']);
  });

  it('makes two trigrams of a one-character word and none of a text without word characters', () => {
    expect(trigramsOf('a')).toEqual(['  a', ' a ']);
    expect(trigramsOf('7')).toEqual(['  7', ' 7 ']);
    expect(trigramsOf('')).toEqual([]);
    expect(trigramsOf('-_.@/ ')).toEqual([]);
  });

  it('splits words at every character that is not a letter or a digit, lower-cases, and keeps distinct trigrams', () => {
    expect(trigramsOf('@Scope/my_pkg.js')).toEqual(trigramsOf('scope my pkg js'));
    expect(trigramsOf('Foo-BAR')).toEqual(['  b', '  f', ' ba', ' fo', 'ar ', 'bar', 'foo', 'oo ']);
    expect(trigramsOf('aaaa')).toEqual(['  a', ' aa', 'aa ', 'aaa']);
    expect(trigramsOf('ab ab ab')).toEqual(trigramsOf('ab'));
    expect(trigramsOf('lib2to3')).toEqual(['  l', ' li', '2to', 'b2t', 'ib2', 'lib', 'o3 ', 'to3']);
  });

  it('hashes windows with non-ASCII characters as Postgres does and prints them in hex, in show_trgm order', () => {
    // From Postgres 15: SELECT show_trgm(...).
    expect(trigramsOf('é')).toEqual(['0xe69b54', '0xe82c48']);
    expect(trigramsOf('日本語')).toEqual(['0x8194c0', '0x836e53', '0x1dc363', '0x1e22e9']);
    expect(trigramsOf('Hello wörld é ΑΣ ß 123 a_b-c.d @x/yz İ')).toEqual([
      '0x81c9a7', '0x8be2f9', '0x8fa667', '0x9f905e', '0xc04ec8', '0xc96a06', '0xdd8f6e', '0xe69b54', '0xe82c48',
      '  1', '  a', '  b', '  c', '  d', '  h', '  i', '  w', '  x', '  y', ' 12', ' a ', ' b ', ' c ', ' d ', ' he',
      ' i ', ' x ', ' yz', '123', '23 ', 'ell', 'hel', 'ld ', 'llo', 'lo ', 'rld', 'yz ', '0x7f0eee',
    ]);
  });

  it('lower-cases one character at a time, as towlower does', () => {
    expect(trigramsOf('ΑΣ')).toEqual(trigramsOf('ασ'));
    expect(trigramsOf('ΑΣ')).not.toEqual(trigramsOf('ας'));
    expect(trigramsOf('\u212a')).toEqual(['  k', ' k ']); // KELVIN SIGN lower-cases to k
    expect(trigramsOf('İ')).toEqual(trigramsOf('i'));
  });

  it('gives the values in ascending order, distinct', () => {
    const values = Array.from(trigramValues('the quick brown fox jumps over the lazy dog ünïcödé'));
    expect(values).toEqual([...new Set(values)].sort((a, b) => a - b));
    expect(values).toHaveLength(trigramsOf('the quick brown fox jumps over the lazy dog ünïcödé').length);
  });
});

describe('lowerAsPostgres', () => {
  it('lower-cases each character alone', () => {
    expect(lowerAsPostgres('React-DOM')).toBe('react-dom');
    expect(lowerAsPostgres('ΟΔΟΣ İstanbul')).toBe('οδοσ istanbul');
    expect(lowerAsPostgres('𝐀x')).toBe('𝐀x');
  });
});

describe('similarity', () => {
  it('is shared / (union) in float4', () => {
    expect(similarity('abc', 'abd')).toBe(THIRD); // 2 shared of 4 + 4
    expect(similarity('abc', 'abd')).toBe(0.3333333432674408);
    expect(similarity('abcdefg', 'abcx')).toBe(Math.fround(0.3)); // 3 of 8 + 5
    expect(similarity('express', 'expres')).toBe(Math.fround(6 / 9)); // 6 of 8 + 7
  });

  it('is 1 for texts with the same trigrams, 0 when either has none, and symmetric', () => {
    expect(similarity('Foo-Bar', 'bar foo')).toBe(1);
    expect(similarity('', '')).toBe(0);
    expect(similarity('abc', '--')).toBe(0);
    expect(similarity('xyz', 'abc')).toBe(0);
    expect(similarity('lodash', 'lodahs')).toBe(similarity('lodahs', 'lodash'));
  });
});

function sorted(hits: SimilarHit[]): SimilarHit[] {
  return [...hits].sort((a, b) => b.similarity - a.similarity || a.id - b.id);
}

describe('TrigramIndex', () => {
  it('adds, replaces and removes texts', () => {
    const index = new TrigramIndex();
    index.add(1, 'lodash');
    index.add(2, 'lodash-es');
    index.add(3, 'react');
    expect(index.size).toBe(3);
    expect(index.similar('lodahs').map((h) => h.id)).toEqual([1, 2]);
    index.add(1, 'reactive'); // replaces
    expect(index.size).toBe(3);
    expect(index.similar('lodahs').map((h) => h.id)).toEqual([2]);
    expect(index.similar('react').map((h) => h.id)).toEqual([3, 1]);
    index.remove(3);
    index.remove(3);
    index.remove(99);
    expect(index.size).toBe(2);
    expect(index.has(3)).toBe(false);
    expect(index.similar('react').map((h) => h.id)).toEqual([1]);
    index.add(3, 'react');
    expect(index.similar('react')).toEqual([{ id: 3, similarity: 1 }, { id: 1, similarity: similarity('react', 'reactive') }]);
  });

  it('rejects ids that are not small non-negative integers', () => {
    const index = new TrigramIndex();
    expect(() => index.add(-1, 'a')).toThrow(RangeError);
    expect(() => index.add(1.5, 'a')).toThrow(RangeError);
    expect(() => index.add(2 ** 31, 'a')).toThrow(RangeError);
  });

  it('includes a similarity equal to the threshold, and excludes it at the next threshold up', () => {
    const index = new TrigramIndex();
    index.add(0, 'abcx'); // similarity to abcdefg: 3 / 10
    index.add(1, 'abcxy'); // 3 / 11
    expect(index.similar('abcdefg')).toEqual([{ id: 0, similarity: Math.fround(0.3) }]);
    expect(index.similar('abcdefg', undefined, Math.fround(0.3))).toEqual([{ id: 0, similarity: Math.fround(0.3) }]);
    expect(index.similar('abcdefg', undefined, Math.fround(0.3) + Number.EPSILON / 4)).toEqual([]); // the next double
    expect(index.similar('abcdefg', undefined, Math.fround(3 / 11))).toEqual([
      { id: 0, similarity: Math.fround(0.3) },
      { id: 1, similarity: Math.fround(3 / 11) },
    ]);
  });

  it('orders by similarity, then id, and applies accept', () => {
    const index = new TrigramIndex();
    index.add(5, 'express');
    index.add(2, 'express');
    index.add(9, 'expresso');
    index.add(1, 'xpress');
    const hits = index.similar('express');
    expect(hits.map((h) => h.id)).toEqual([2, 5, 9, 1]);
    expect(hits).toEqual(sorted(hits));
    expect(index.similar('express', (id) => id % 2 === 1).map((h) => h.id)).toEqual([5, 9, 1]);
  });

  it('matches everything at a threshold of 0, nothing above 1 or at NaN, and nothing for a query without trigrams', () => {
    const index = new TrigramIndex();
    index.add(0, 'abc');
    index.add(1, '--');
    index.add(2, 'xyz');
    expect(index.similar('abd', undefined, 0)).toEqual([{ id: 0, similarity: THIRD }, { id: 1, similarity: 0 }, { id: 2, similarity: 0 }]);
    expect(index.similar('--', undefined, 0).map((h) => h.id)).toEqual([0, 1, 2]);
    expect(index.similar('abc', undefined, 1)).toEqual([{ id: 0, similarity: 1 }]);
    expect(index.similar('abc', undefined, 1.01)).toEqual([]);
    expect(index.similar('abc', undefined, Number.NaN)).toEqual([]);
    expect(index.similar('--')).toEqual([]);
    expect(index.similar('')).toEqual([]);
  });

  it('keeps its counters clean when accept throws', () => {
    const index = new TrigramIndex();
    for (let i = 0; i < 50; i++) index.add(i, `package-${i}`);
    expect(() => index.similar('package-1', () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(index.similar('package-1')).toEqual(bruteForce(new Map(Array.from({ length: 50 }, (_, i) => [i, `package-${i}`])), 'package-1', 0.3));
  });

  it('compacts after many removals and still answers the same', () => {
    const index = new TrigramIndex();
    const texts = new Map<number, string>();
    for (let i = 0; i < 5000; i++) {
      index.add(i, `name-${i}`);
      texts.set(i, `name-${i}`);
    }
    for (let i = 0; i < 5000; i += 3) {
      index.remove(i);
      texts.delete(i);
    }
    for (let i = 1; i < 5000; i += 7) {
      index.add(i, `renamed-${i}`);
      texts.set(i, `renamed-${i}`);
    }
    expect(index.size).toBe(texts.size);
    for (const query of ['name-1234', 'renamed-15', 'nmae-42', 'name']) expect(index.similar(query)).toEqual(bruteForce(texts, query, 0.3));
    index.compact();
    for (const query of ['name-1234', 'renamed-15', 'nmae-42', 'name']) expect(index.similar(query)).toEqual(bruteForce(texts, query, 0.3));
  });

  it('answers the same after compact() on a small index, and after adds that follow it', () => {
    const index = new TrigramIndex();
    const texts = new Map<number, string>();
    for (let i = 0; i < 100; i++) texts.set(i, `lib-${i}`);
    for (const [id, text] of texts) index.add(id, text);
    index.remove(7);
    texts.delete(7);
    index.compact();
    expect(index.similar('lib-42')).toEqual(bruteForce(texts, 'lib-42', 0.3));
    for (let i = 100; i < 400; i++) {
      index.add(i, `lib-${i}`);
      texts.set(i, `lib-${i}`);
    }
    expect(index.similar('lib-142')).toEqual(bruteForce(texts, 'lib-142', 0.3));
  });
});

function bruteForce(texts: Map<number, string>, query: string, threshold: number, accept?: (id: number) => boolean): SimilarHit[] {
  const hits: SimilarHit[] = [];
  for (const [id, text] of texts) {
    if (accept && !accept(id)) continue;
    const s = similarity(query, text);
    if (s >= threshold) hits.push({ id, similarity: s });
  }
  return sorted(hits);
}

// Package-like names: words from syllables, joined by separators, some scoped, some with digits, capitals or
// non-ASCII letters, some one or two characters long.
const SYLLABLES = [
  're', 'act', 'vue', 'no', 'de', 'ex', 'press', 'lo', 'dash', 'type', 'script', 'web', 'pack', 'ba', 'bel', 'core', 'js', 'py',
  'test', 'lint', 'util', 'da', 'ta', 'http', 'cli', 'json', 'parse', 'form', 'io', 'net', 'log', 'sql', 'auth', 'api', 'kit',
  'ui', 'mon', 'go', 'rails',
];
const NON_ASCII = ['é', 'ü', 'ö', 'ß', 'ñ', 'ж', 'λ', '日本', 'Σ', 'İ'];

function word(random: Random): string {
  let w = '';
  for (let i = random.int(1, 3); i > 0; i--) w += random.pick(SYLLABLES);
  if (random.chance(0.15)) w += String(random.int(0, 99));
  if (random.chance(0.05)) w = w.slice(0, 2) + random.pick(NON_ASCII) + w.slice(2);
  if (random.chance(0.1)) w = w[0]!.toUpperCase() + w.slice(1);
  return w;
}

function packageName(random: Random): string {
  if (random.chance(0.05)) return Array.from({ length: random.int(1, 2) }, () => random.pick([...'abcxyz019_-'])).join('');
  let name = word(random);
  for (let i = random.int(0, 2); i > 0; i--) name += random.pick(['-', '.', '_', '']) + word(random);
  return random.chance(0.2) ? `@${word(random)}/${name}` : name;
}

function typo(random: Random, name: string): string {
  const at = random.int(0, Math.max(0, name.length - 1));
  switch (random.int(0, 5)) {
    case 0: return name.slice(0, at) + name.slice(at + 1);
    case 1: return name.slice(0, at) + name.slice(at + 1, at + 2) + name.slice(at, at + 1) + name.slice(at + 2);
    case 2: return name.slice(0, at) + random.pick([...'aeiosx-.']) + name.slice(at);
    case 3: return name.slice(0, random.int(1, Math.max(1, name.length)));
    case 4: return Array.from({ length: random.int(1, 3) }, () => random.pick([...'abcdelostx0'])).join('');
    default: return name;
  }
}

describe('TrigramIndex against a scan with similarity()', () => {
  it('finds exactly what the scan finds, over generated names with removals, replacements and compactions', () => {
    const random = new Random(20240611);
    const index = new TrigramIndex();
    const texts = new Map<number, string>();
    const set = (id: number) => {
      const text = lowerAsPostgres(packageName(random));
      index.add(id, text);
      texts.set(id, text);
    };
    const churn = (times: number) => {
      for (let i = 0; i < times; i++) {
        const id = random.int(0, 3999);
        if (random.chance(0.5)) {
          index.remove(id);
          texts.delete(id);
        } else {
          set(id);
        }
      }
    };
    for (let id = 0; id < 3000; id++) set(id);
    churn(500);
    index.compact();
    churn(500); // adds after a tight compact() move lists and repack the pool
    expect(index.size).toBe(texts.size);
    const names = [...texts.values()];
    let matches = 0;
    let ties = 0;
    for (let i = 0; i < 200; i++) {
      const query = typo(random, random.pick(names)).toLowerCase();
      const threshold = random.pick([0.3, 0.3, 0.3, Math.fround(0.3), 0.1, 0.5, 0.7, 1]);
      const accept = random.chance(0.3) ? (id: number) => id % 3 !== 0 : undefined;
      const expected = bruteForce(texts, query, threshold, accept);
      expect({ query, threshold, hits: index.similar(query, accept, threshold) }).toEqual({ query, threshold, hits: expected });
      matches += expected.length;
      ties += expected.filter((h) => h.similarity === threshold).length;
    }
    expect(matches).toBeGreaterThan(300);
    expect(ties).toBeGreaterThan(0);
  });
});
