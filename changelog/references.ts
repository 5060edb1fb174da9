// Keep a Changelog and conventional-changelog files define their links once, at the bottom. An entry's
// body is rendered alone, so the definitions it uses are appended to it before rendering.

const DEFINITION = /^ {0,3}\[([^\]]{1,200})\]:[ \t]*\S/;
const REFERENCE = /\[([^\][]{1,200})\](?!\()/g;

/** Link reference definitions of the whole file, by lower-cased label. */
export function linkDefinitions(lines: readonly string[]): Map<string, string> {
  const defs = new Map<string, string>();
  for (const line of lines) {
    if (line.length > 2000 || !line.includes(']:')) continue;
    const m = DEFINITION.exec(line);
    const label = m?.[1]?.toLowerCase();
    if (label && !defs.has(label)) defs.set(label, line.trim());
  }
  return defs;
}

/** The body followed by the file's definitions of the labels it references. */
export function withDefinitions(body: string, defs: ReadonlyMap<string, string>): string {
  if (defs.size === 0 || !body.includes('[')) return body;
  const used = new Set<string>();
  for (const m of body.matchAll(REFERENCE)) {
    const label = m[1]!.toLowerCase();
    if (defs.has(label)) used.add(label);
  }
  if (used.size === 0) return body;
  return `${body}\n\n${[...used].map((l) => defs.get(l)).join('\n')}\n`;
}
