// HTML for the server-rendered pages: a tagged template that escapes every interpolated value, unless the
// value is already HTML (made by this template, or `trusted`: the changelog HTML the crawl sanitized when it
// parsed the file). Arrays are joined, null, undefined and false render nothing.

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Value = Html | string | number | null | undefined | false | Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** HTML stored by a crawl, sanitized when the changelog was parsed (changelog/html.ts): shown as it is. */
export function trusted(sanitized: string): Html {
  return new Html(sanitized);
}
