// poetry.lock and uv.lock are TOML, read with smol-toml; both list packages as `[[package]]` tables.
import { parse, TomlError } from 'smol-toml';
import { LockfileError } from './types';

export type TomlTable = Record<string, unknown>;

export function parseToml(text: string, fileName: string): TomlTable {
  try {
    return parse(text) as TomlTable;
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = err.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      throw new LockfileError(fileName, err.line, `not valid TOML: ${reason} (column ${err.column})`);
    }
    throw err;
  }
}

export const isTable = (value: unknown): value is TomlTable => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/**
 * The `[[package]]` tables, each with the line its header is on (TOML values carry no position, so the
 * headers are counted in the text: the n-th `[[package]]` line is the n-th table).
 */
/** The package's version; an error naming the package when it has none. */
export function versionOf(table: TomlTable, line: number | null, fileName: string): string {
  if (typeof table.version !== 'string' || !table.version) throw new LockfileError(fileName, line, `${String(table.name)} has no version`);
  return table.version;
}

export function packageTables(doc: TomlTable, text: string, fileName: string): { table: TomlTable; line: number | null }[] {
  const packages = doc.package ?? [];
  if (!Array.isArray(packages)) throw new LockfileError(fileName, null, '`package` is not an array of tables ([[package]])');
  const headerLines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*\[\[\s*package\s*\]\]/.test(line)) headerLines.push(i + 1);
  });
  return packages.map((table, i) => {
    const line = headerLines[i] ?? null;
    if (!isTable(table)) throw new LockfileError(fileName, line, 'a [[package]] that is not a table');
    if (typeof table.name !== 'string' || !table.name) throw new LockfileError(fileName, line, 'a [[package]] without a name');
    return { table, line };
  });
}
