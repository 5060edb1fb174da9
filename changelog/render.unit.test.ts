import fc from 'fast-check';
import { parseChangelog } from './parse';
import { linkDefinitions, withDefinitions } from './references';
import { renderBodies, renderBody } from './render';

const base = 'https://example.com/owner/repo/blob/v1.2.0/CHANGELOG.md';
const render = (md: string) => renderBody(md, 'markdown', base);

// Every payload must come out inert: no executable tag, no handler attribute, no dangerous URL scheme.
const PAYLOADS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//example.com/x.js></SCRIPT>',
  '<img src=x onerror=alert(1)>',
  '<img src="x" onerror="alert(1)">',
  '<body onload=alert(1)>',
  '<svg onload=alert(1)>',
  '<svg><script>alert(1)</script></svg>',
  '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<form action="javascript:alert(1)"><button>x</button></form>',
  '<style>body{background:url(javascript:alert(1))}</style>',
  '<div style="background:url(javascript:alert(1))">x</div>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="JaVaScRiPt:alert(1)">x</a>',
  '<a href="&#106;avascript:alert(1)">x</a>',
  '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
  '<a href="java\tscript:alert(1)">x</a>',
  '<a href=" javascript:alert(1)">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
  '<img src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">',
  '[x](javascript:alert(1))',
  '[x](JAVASCRIPT:alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](java&#09;script:alert(1))',
  '[x](<javascript:alert(1)>)',
  '![x](javascript:alert(1))',
  '![x](data:image/png;base64,AAAA)',
  '[x][r]\n\n[r]: javascript:alert(1)',
  '[x][r]\n\n[r]: data:text/html,<script>alert(1)</script>',
  '<javascript:alert(1)>',
  '<a href="x" onclick="alert(1)">x</a>',
  '<a onmouseover=alert(1)>x</a>',
  '<details open ontoggle=alert(1)>',
  '<input autofocus onfocus=alert(1)>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<link rel=stylesheet href="javascript:alert(1)">',
  '<base href="javascript:alert(1)//">',
  '<img src=x onerror=alert(1)//',
  '<a href="javascript&#58;alert(1)">x</a>',
  '<a href="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)">x</a>',
  '<<script>script>alert(1)<</script>/script>',
  '<!--><script>alert(1)</script>-->',
  '`code` <scr<script>ipt>alert(1)</script>',
  '<table><tr><td background="javascript:alert(1)">x</td></tr></table>',
  '- [ ] <img src=x onerror=alert(1)>',
  '> <a href="javascript:alert(1)">quoted</a>',
  '```js" onmouseover="alert(1)\ncode\n```',
  // After an inline <code>, <pre>, <kbd> or <script>, marked passes the rest of the paragraph's text through raw.
  '<code>x <img src=x onerror=alert(1) y',
  'a <kbd> b <img src=x onerror=alert(1) c\n\nd',
  'a <pre> b <svg onload=alert(1) c',
  // Where a regex filter and a browser read markup differently.
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<style><img src=x onerror=alert(1)></style>',
  '<textarea><img src=x onerror=alert(1)></textarea>',
  '<title><img src=x onerror=alert(1)></title>',
  '<xmp><img src=x onerror=alert(1)></xmp>',
  '<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>',
  '<table><td><svg><foreignObject><script>alert(1)</script>',
  '<svg><animate onbegin=alert(1) attributeName=x dur=1s>',
  '<img/src=x/onerror=alert(1)>',
  '<img src=`x`onerror=alert(1)>',
  '<div><a href="x" <img src=x onerror=alert(1)>>',
  '<a href="javas&#99;ript:alert(1)">x</a>',
  '<a href="\u0000javascript:alert(1)">x</a>',
  '<a href="javascript:alert(1)"\n>x</a>',
  '<a href="https://example.com/ok" onclick="alert(1)">x</a>',
  '<img src="https://example.com/x.png" srcset="javascript:alert(1)">',
  '<iframe/src="data:text/html,<script>alert(1)</script>">',
  '[x](https://example.com/ok "t\\" onmouseover=\\"alert(1)")',
  '- item <style>\n- <img src=x onerror=alert(1)>',
];

const ALLOWED_TAGS = new Set(
  'a abbr b blockquote br caption cite code dd del details dfn div dl dt em h1 h2 h3 h4 h5 h6 hr i img ins kbd li mark ol p pre q s samp small span strike strong sub summary sup table tbody td tfoot th thead tr tt u ul var wbr'.split(' '),
);

/** The elements a browser would build from `html`: escaped text (`&lt;…`) builds none. */
function elements(html: string): { tag: string; attrs: [string, string][] }[] {
  const out: { tag: string; attrs: [string, string][] }[] = [];
  for (const m of html.matchAll(/<([a-zA-Z][\w-]*)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g)) {
    const attrs = [...(m[2] ?? '').matchAll(/([^\s=>]+)(?:="([^"]*)")?/g)].map((a) => [a[1]!, a[2] ?? ''] as [string, string]);
    out.push({ tag: m[1]!.toLowerCase(), attrs });
  }
  // Anything that looks like a tag but did not parse as a clean one is a failure by itself.
  const raw = html.match(/<[a-zA-Z]/g)?.length ?? 0;
  expect(out).toHaveLength(raw);
  return out;
}

const VOID_TAGS = new Set(['br', 'hr', 'img', 'wbr']);

/** Tags left open at the end of `html`; throws on a closing tag that does not close the innermost open one. */
function unclosed(html: string): string[] {
  const open: string[] = [];
  for (const [, closing, name] of elements(html).length >= 0 ? html.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*>/g) : []) {
    const tag = name!.toLowerCase();
    if (VOID_TAGS.has(tag)) continue;
    if (!closing) open.push(tag);
    else if (open.pop() !== tag) throw new Error(`</${tag}> closes nothing open in ${html}`);
  }
  return open;
}

const decode = (v: string) =>
  v.replace(/&#(\d+);/g, (_, d) => String.fromCharCode(Number(d))).replace(/&quot;/g, '"').replace(/&amp;/g, '&');

describe('rendered HTML is inert', () => {
  test.each(PAYLOADS)('%s', (payload) => {
    for (const { tag, attrs } of elements(render(payload))) {
      expect(ALLOWED_TAGS).toContain(tag);
      for (const [name, value] of attrs) {
        expect(name).not.toMatch(/^on|^style$|^srcdoc$|^formaction$|^xlink/i);
        if (name === 'href' || name === 'src') expect(decode(value)).toMatch(/^(https?:\/\/|mailto:|#)/);
      }
    }
  });

  test('there are at least 60 payloads', () => expect(PAYLOADS.length).toBeGreaterThanOrEqual(60));
});

describe('rendered HTML keeps what is harmless', () => {
  test('allowed raw HTML passes with allowed attributes only', () => {
    expect(render('<details><summary>More</summary>\n\nText\n\n</details>')).toContain('<details><summary>More</summary>');
    expect(render('<kbd class="x" id="y">Ctrl</kbd>')).toContain('<kbd>Ctrl</kbd>');
  });

  test('raw HTML cannot close the elements around the entry, and what it opens is closed', () => {
    expect(render('</div></div></li> text')).not.toContain('</div>');
    const html = render('<table><tr><td>cell\n\nmore');
    expect(html.endsWith('</td></tr></table>')).toBe(true);
    expect(render('<details><summary>a</summary>\n\n- b\n\n</details>')).toMatch(/<details><summary>a<\/summary>[\s\S]*<\/details>/);
  });

  test('an element left open in a list item ends with the item, not with the entry', () => {
    expect(render('- a <table><tr><td>x\n- b <b>bold\n- c')).toBe(
      '<ul>\n<li>a <table><tr><td>x</td></tr></table></li>\n<li>b <b>bold</b></li>\n<li>c</li>\n</ul>\n',
    );
  });

  test('a tag the allowlist drops is shown as written', () => {
    expect(render('Returns Observable<T> now; <T extends Base> too. <Foo bar="1"/>')).toBe(
      '<p>Returns Observable&lt;T&gt; now; &lt;T extends Base&gt; too. &lt;Foo bar=&quot;1&quot;/&gt;</p>\n',
    );
  });

  test('a raw-text tag is shown as text and does not turn the rest of the entry into text', () => {
    for (const tag of ['script', 'style', 'title', 'textarea', 'xmp']) {
      expect(render(`- Fix <${tag}> handling\n- other *fix*`)).toBe(`<ul>\n<li>Fix &lt;${tag}&gt; handling</li>\n<li>other <em>fix</em></li>\n</ul>\n`);
    }
  });

  test('each entry of a file is well-formed on its own: what one leaves open is closed in it', () => {
    const text = '## 1.1.0\n\n- <div>unclosed\n- a <table><tr><td>x\n\n<details><summary>more</summary>\n\n## 1.0.0\n\n- plain\n';
    const [first, second] = parseChangelog(text, { fileName: 'CHANGELOG.md', sourceUrl: base }).entries;
    expect(first!.html).toBe(
      '<ul>\n<li><div>unclosed</div></li>\n<li>a <table><tr><td>x</td></tr></table></li>\n</ul>\n<details><summary>more</summary></details>',
    );
    expect(second!.html).toBe('<ul>\n<li>plain</li>\n</ul>\n');
  });

  test('on random markdown with raw HTML, every tag the HTML opens it closes, in order', () => {
    const piece = fc.constantFrom(
      '\n', '\n\n', '- ', '1. ', '> ', '    ', 'text ', '*em* ', '`c` ', '<div>', '</div>', '<table>', '<tr>', '<td>', '</td>',
      '</table>', '<b>', '</b>', '<i>', '</li>', '</ul>', '<p>', '</p>', '<details>', '<summary>', '</details>', '<br>', '<img src=x>',
      '<style>', '</style>', '<script>', '<x-y>', '</x-y>', '<!--', '-->', '<a href="#a">', '</a>', '<ul><li>', '| a |\n|---|\n',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }).map((p) => p.join('')), (markdown) => {
        expect(unclosed(render(markdown))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  test('relative links resolve against the source URL; relative images use the raw file form', () => {
    const html = render('[guide](docs/guide.md) ![logo](./img/logo.png) [top](#top)');
    expect(html).toContain('href="https://example.com/owner/repo/blob/v1.2.0/docs/guide.md"');
    expect(html).toContain('src="https://example.com/owner/repo/raw/v1.2.0/img/logo.png"');
    expect(html).toContain('href="#top"');
  });

  test('absolute http(s) and mailto links stay', () => {
    const html = render('[a](https://example.com/x) <mailto:me@example.com>');
    expect(html).toContain('href="https://example.com/x"');
    expect(html).toContain('href="mailto:me@example.com"');
  });

  test('a long list of linked commits stays a list', () => {
    const items = Array.from({ length: 200 }, (_, i) => `* **deps:** bump x ([#${i}](https://example.com/i/${i})) ([abc${i}](https://example.com/c/${i}))`);
    const html = render(items.join('\n'));
    expect(html).not.toContain('<pre>');
    expect(html.match(/<li>/g)).toHaveLength(200);
  });

  test('a paragraph crowded with emphasis markers is shown as written', () => {
    const html = render('**_*a_ '.repeat(200));
    expect(html).toContain('<pre><code>');
    expect(html).not.toContain('<em>');
  });

  test('quotes nested deeper than eight are flattened to eight, however the markers are spaced and whatever the length', () => {
    const depth = (html: string) => html.match(/<blockquote>/g)?.length ?? 0;
    for (const marker of ['>', '> ', '>  ', '>\t']) {
      const quote = `${marker.repeat(10)}x`;
      expect(depth(render(quote))).toBe(8);
      expect(depth(render(`${quote}\n\n${'word '.repeat(400)}`))).toBe(8);
    }
  });

  test('task list boxes become text, not form controls', () => {
    expect(render('- [x] done\n- [ ] todo')).not.toContain('<input');
  });

  test('reStructuredText links and literals are shown as links and code', () => {
    const html = renderBody('See `the docs <https://example.com/d>`_ and ``x()``.', 'rst', null);
    expect(html).toContain('<a href="https://example.com/d"');
    expect(html).toContain('<code>x()</code>');
  });
});

describe('rendering a whole file', () => {
  // Bodies of a file, located in it, for renderBodies.
  function bodiesOf(text: string) {
    const entries = parseChangelog(text, { fileName: 'CHANGELOG.md', html: false }).entries;
    let at = 0;
    return entries.map((e) => {
      const start = text.indexOf(e.body, at);
      at = start + e.body.length;
      return { start, end: at, body: e.body };
    });
  }

  test('each body renders as it does alone, with the link definitions of the file', () => {
    const text = [
      '# Changelog',
      '',
      '## [1.1.0] - 2024-02-01',
      '',
      '### Added',
      '',
      '- thing ([#12][pr-12]) <details><summary>more</summary>',
      '- other `code` and **bold**',
      '',
      '## [1.0.0] - 2024-01-01',
      '',
      'Text with [a link](https://example.com/a) and [a reference][pr-12].',
      '',
      '[1.1.0]: https://example.com/compare/v1.0.0...v1.1.0',
      '[1.0.0]: https://example.com/releases/v1.0.0',
      '[pr-12]: https://example.com/pull/12',
      '',
    ].join('\n');
    const bodies = bodiesOf(text);
    const html = renderBodies(text, bodies, 'markdown', base);
    expect(html).toEqual(bodies.map((b) => render(b.body + '\n\n[pr-12]: https://example.com/pull/12\n')));
    expect(html[0]).toContain('<a href="https://example.com/pull/12" rel="nofollow noopener">#12</a>');
    expect(html[0]).toContain('<details><summary>more</summary></details></li>');
    expect(html[1]).toContain('href="https://example.com/pull/12"');
  });

  test('on random files, each body renders as it does alone (up to whitespace)', () => {
    const piece = fc.constantFrom(
      '\n', '\n\n', '## 1.2.3\n', '# 2.0.0\n', '1.0.0\n=====\n', '**1.0.1**\n', '- a\n', '* b\n', '  - nested\n', '1. one\n',
      '> quote\n', '    indented\n', '*em*', '**b**', '`c`', 'text ', '| a | b |\n|---|---|\n', '---\n', 'word', '### Fixed\n',
      '\n\n[x]: https://example.com/x\n\n', '[x]', '<details>\n\n', '\n\n</details>\n',
    );
    const squeeze = (html: string) => html.replace(/\s+/g, ' ').replace(/ </g, '<').trim();
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }).map((p) => p.join('')), (text) => {
        const bodies = bodiesOf(text);
        const definitions = linkDefinitions(text.split('\n'));
        const alone = bodies.map((b) => squeeze(renderBody(withDefinitions(b.body, definitions), 'markdown', base)));
        expect(renderBodies(text, bodies, 'markdown', base).map(squeeze)).toEqual(alone);
      }),
      { numRuns: 500 },
    );
  });

  test('a body that a block of the file runs into is rendered on its own', () => {
    // Bold release lines: the list of the first entry runs on into the next heading line.
    const text = '**1.1.0**\n- a\n- b\n**1.0.0**\n- c\n';
    const bodies = bodiesOf(text);
    expect(bodies.map((b) => b.body)).toEqual(['- a\n- b', '- c']);
    expect(renderBodies(text, bodies, 'markdown', base)).toEqual(['<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n', '<ul>\n<li>c</li>\n</ul>\n']);
  });

  test('hundreds of link definitions at the end of the file are still definitions', () => {
    const versions = Array.from({ length: 300 }, (_, i) => `1.0.${299 - i}`);
    const text = [
      ...versions.flatMap((v) => [`## [${v}]`, '', `- fix in [${v}]`, '']),
      ...versions.map((v) => `[${v}]: https://example.com/releases/v${v}`),
    ].join('\n');
    const bodies = bodiesOf(text);
    const html = renderBodies(text, bodies, 'markdown', base);
    expect(html).toHaveLength(300);
    expect(html[0]).toBe('<ul>\n<li>fix in <a href="https://example.com/releases/v1.0.299" rel="nofollow noopener">1.0.299</a></li>\n</ul>\n');
    expect(renderBody(`${bodies[0]!.body}\n\n${versions.map((v) => `[${v}]: https://example.com/releases/v${v}`).join('\n')}`, 'markdown', base)).toBe(html[0]);
  });
});
