import { renderBody } from './render';

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

  test('there are at least 30 payloads', () => expect(PAYLOADS.length).toBeGreaterThanOrEqual(30));
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

  test('task list boxes become text, not form controls', () => {
    expect(render('- [x] done\n- [ ] todo')).not.toContain('<input');
  });

  test('reStructuredText links and literals are shown as links and code', () => {
    const html = renderBody('See `the docs <https://example.com/d>`_ and ``x()``.', 'rst', null);
    expect(html).toContain('<a href="https://example.com/d"');
    expect(html).toContain('<code>x()</code>');
  });
});
