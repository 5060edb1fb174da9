// poetry.lock: `[[package]]` tables with name and version; `source` only for packages from elsewhere (a git
// repository, a path, a URL; `legacy` is another package index and still a registry release).
import { isTable, packageTables, parseToml, versionOf } from './tomlLock';
import { DependencyList, LockfileError, type ParsedLockfile } from './types';

export function parsePoetryLock(text: string, fileName = 'poetry.lock'): ParsedLockfile {
  const doc = parseToml(text, fileName);
  if (!isTable(doc.metadata)) throw new LockfileError(fileName, null, 'no [metadata] table: this is not a poetry.lock');
  const list = new DependencyList();
  for (const { table, line } of packageTables(doc, text, fileName)) {
    const name = table.name as string;
    const source = isTable(table.source) ? table.source : null;
    if (source && source.type !== 'legacy') {
      list.skip(`${fileName}:${line}: ${name} comes from ${String(source.type)} ${String(source.url ?? '')}`.trimEnd() + ', not the registry');
      continue;
    }
    // Poetry before 1.5 marks development dependencies with `category = "dev"`; later versions keep groups in pyproject.toml.
    list.add(name, versionOf(table, line, fileName), table.category === 'dev');
  }
  return list.result('poetry-lock');
}
