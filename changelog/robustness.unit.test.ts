import fc from 'fast-check';
import { parseChangelog } from './parse';

// Pieces that exercise every branch of the scanner and the renderer when glued together at random.
const piece = fc.constantFrom(
  '\n', '## ', '# ', '#', '1.2.3', 'v2.0.0-rc.1', '1.0a1', '2024-01-31', 'Jan 31, 2024', '31.01.2024', '[', ']', '(', ')',
  '**', '__', '`', '```', '~~~', '====', '----', '~~~~', '> ', '- ', '* ', '1. ', '<a href="', 'javascript:', '">',
  '<script>', '<!--', '-->', '&#106;', '[x]: ', 'Unreleased', '[YANKED]', '\t', '    ', '|', '\u00a0', '\r\n', 'pkg@',
  'Bug fixes:', '### Added', '.. _x:', '`a <b>`_', '\\', '!', '<', '>', ' ',
);
const changelogish = fc.array(fc.oneof(piece, fc.string({ maxLength: 8 })), { maxLength: 300 }).map((parts) => parts.join(''));

function timeOf(text: string, html: boolean): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    parseChangelog(text, { fileName: 'CHANGELOG.md', html });
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

/** Time at 4n over time at n; linear work gives about 4. Tiny timings are floored so noise does not dominate. */
function growth(make: (n: number) => string, n: number, html = true): number {
  const small = Math.max(timeOf(make(n), html), 2);
  const large = timeOf(make(4 * n), html);
  return large / small;
}

describe('parseChangelog never throws', () => {
  test('on changelog-shaped random text, in every format', () => {
    fc.assert(
      fc.property(changelogish, fc.constantFrom('CHANGELOG.md', 'NEWS.rst', 'HISTORY', 'CHANGES.txt'), (text, fileName) => {
        const parsed = parseChangelog(text, { fileName, sourceUrl: 'https://example.com/o/r/blob/main/CHANGELOG.md' });
        for (const e of parsed.entries) {
          expect(e.html ?? '').not.toMatch(/<script|\son\w+=|javascript:/i);
          if (e.date) expect(e.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('on random bytes and arbitrary unicode', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.string({ unit: 'grapheme', maxLength: 500 }), (bytes, s) => {
        parseChangelog(Buffer.from(bytes).toString('latin1'), { fileName: 'CHANGELOG.md' });
        parseChangelog(s, { fileName: 'NEWS.rst', knownVersions: ['1.0.0'] });
      }),
      { numRuns: 200 },
    );
  });

  test('on values that are not strings', () => {
    expect(parseChangelog(undefined as unknown as string, { fileName: 'x.md' }).entries).toEqual([]);
    expect(parseChangelog(null as unknown as string, null as unknown as { fileName: string }).entries).toEqual([]);
  });
});

describe('parseChangelog stays roughly linear on hostile input', () => {
  const cases: [string, (n: number) => string, number][] = [
    ['many headings', (n) => Array.from({ length: n }, (_, i) => `## 1.0.${i} (2024-01-31)\n- x`).join('\n'), 5_000],
    ['one huge line', (n) => 'a'.repeat(n * 40), 25_000],
    ['a huge heading line', (n) => `## 1.0.0 ${'1.2.3 v'.repeat(n * 5)}`, 25_000],
    ['deep quote nesting', (n) => `## 1.0.0\n\n${'>'.repeat(n)} x\n`.repeat(20), 5_000],
    ['unclosed brackets', (n) => `## 1.0.0\n\n${('['.repeat(200) + '\n').repeat(n / 200)}`, 10_000],
    ['emphasis soup', (n) => `## 1.0.0\n\n${('**_*a_ '.repeat(100) + '\n').repeat(n / 100)}`, 5_000],
    ['tag soup', (n) => `## 1.0.0\n\n${('<a x=1 <b y="'.repeat(50) + '\n').repeat(n / 50)}`, 5_000],
    ['adornment soup', (n) => '=\n-\n~~~\n'.repeat(n), 25_000],
    ['headings full of brackets', (n) => `## 1.0.0 ${'['.repeat(290)}\n`.repeat(n), 2_000],
    ['headings full of half links', (n) => `## 1.0.0 ${'![a]('.repeat(58)}\n`.repeat(n), 2_000],
    ['bodies full of brackets', (n) => `## 1.0.0\n\n${'['.repeat(n * 20)}\n`, 10_000],
  ];
  test.each(cases)('%s', (_name, make, n) => {
    expect(growth(make, n)).toBeLessThan(12);
  });

  test('100,000 headings and a 1 MB line finish quickly without HTML', () => {
    const text = Array.from({ length: 100_000 }, (_, i) => `## 2.${i}.0`).join('\n') + '\n' + 'x'.repeat(1_000_000);
    const parsed = parseChangelog(text, { fileName: 'CHANGELOG.md', html: false });
    expect(parsed.entries).toHaveLength(10_000);
  });
});
