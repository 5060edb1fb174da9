import { escapeHtml, html, trusted } from './html';

describe('html', () => {
  test('escapes every interpolated text, in content and attributes', () => {
    const name = `<script>alert("x")</script>&'`;
    expect(html`<a title="${name}">${name}</a>`.text).toBe(
      '<a title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;</a>',
    );
  });

  test('nests templates and lists without escaping them twice, and renders nothing for absent values', () => {
    const items = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${0}`.text).toBe('<ul><li>a&lt;b</li><li>c</li></ul>0');
  });

  test('keeps sanitized changelog HTML as it is', () => {
    expect(html`<div>${trusted('<p>fixed <code>x</code></p>')}</div>`.text).toBe('<div><p>fixed <code>x</code></p></div>');
    expect(escapeHtml('"&')).toBe('&quot;&amp;');
  });
});
