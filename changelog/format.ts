import type { ChangelogFormat } from './types';

const BY_EXTENSION: Record<string, ChangelogFormat> = {
  md: 'markdown', markdown: 'markdown', mkd: 'markdown', mdown: 'markdown',
  rst: 'rst', rest: 'rst',
  txt: 'text', adoc: 'text', text: 'text',
};

// Markdown shows itself by ATX headings or inline links; reStructuredText by directives, targets,
// `link <url>`_ references or ``literals``.
const MARKDOWN_SIGNS = /^ {0,3}#{1,6}[ \t]+\S|\]\([^)\s]{1,300}\)|^```/m;
const RST_SIGNS = /^\.\. [\w-]+::|^\.\. _[^:\n]{1,200}:|`[^`<\n]{1,200}<[^>`\n]{1,300}>`__?|``[^`\n]{1,200}``/m;

/** The file's format: by its extension when that says, otherwise by what the first 64 KB look like. */
export function detectFormat(fileName: string, text: string): ChangelogFormat {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  const byExtension = dot > 0 ? BY_EXTENSION[base.slice(dot + 1).toLowerCase()] : undefined;
  if (byExtension === 'markdown' || byExtension === 'rst') return byExtension;
  const head = text.length > 65536 ? text.slice(0, 65536) : text;
  if (RST_SIGNS.test(head)) return 'rst';
  if (MARKDOWN_SIGNS.test(head)) return 'markdown';
  return 'text';
}
