// uv.lock: `version = 1` at the top, `[[package]]` tables whose `source` says where each comes from. Only
// `{ registry = … }` packages are releases of a package index; the project itself is `editable` or `virtual`.
import { isTable, packageTables, parseToml, versionOf } from './tomlLock';
import { DependencyList, LockfileError, type ParsedLockfile } from './types';

export function parseUvLock(text: string, fileName = 'uv.lock'): ParsedLockfile {
  const doc = parseToml(text, fileName);
  if (typeof doc.version !== 'number') throw new LockfileError(fileName, null, 'no top-level `version = 1`: this is not a uv.lock');
  const list = new DependencyList();
  for (const { table, line } of packageTables(doc, text, fileName)) {
    const name = table.name as string;
    const source = isTable(table.source) ? table.source : {};
    if (typeof source.registry === 'string') {
      list.add(name, versionOf(table, line, fileName));
      continue;
    }
    if (source.editable !== undefined || source.virtual !== undefined) continue; // the project, or a workspace member
    const [kind, where] = Object.entries(source)[0] ?? ['an unknown source', ''];
    list.skip(`${fileName}:${line}: ${name} comes from ${kind} ${String(where)}`.trimEnd() + ', not the registry');
  }
  return list.result('uv-lock');
}
