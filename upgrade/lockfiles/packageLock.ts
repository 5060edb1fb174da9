// package-lock.json (and npm-shrinkwrap.json), lockfile versions 2 and 3: the `packages` map, keyed by install
// path (`node_modules/a/node_modules/b`), holds every installed package with its exact version.
import { DependencyList, LockfileError, lineAt, type ParsedLockfile } from './types';

const NODE_MODULES = 'node_modules/';

/** JSON.parse's message gives a character position; people want a line. */
function parseJson(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const position = /at position (\d+)/.exec(message);
    const line = position ? lineAt(text, Number(position[1])) : /Unexpected end of JSON input/.test(message) ? lineAt(text, text.length) : null;
    throw new LockfileError(fileName, line, `not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, '')}`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export function parsePackageLock(text: string, fileName = 'package-lock.json'): ParsedLockfile {
  const lock = parseJson(text, fileName);
  /** Where a key of the `packages` map is written (only looked up for an error). */
  const lineOf = (key: string) => {
    const at = text.indexOf(JSON.stringify(key));
    return at < 0 ? null : lineAt(text, at);
  };
  if (!isObject(lock)) throw new LockfileError(fileName, 1, 'a package-lock.json is a JSON object');
  const version = lock.lockfileVersion;
  if (version === 1) {
    throw new LockfileError(fileName, lineOf('lockfileVersion'), 'lockfileVersion 1 (npm 6) is not supported: `npm install --lockfile-version 3` rewrites it');
  }
  if (version !== 2 && version !== 3) {
    throw new LockfileError(fileName, lineOf('lockfileVersion'), `lockfileVersion ${JSON.stringify(version ?? null)} is not one this report reads (2 or 3)`);
  }
  if (!isObject(lock.packages)) throw new LockfileError(fileName, lineOf('packages'), 'no `packages` object');
  const list = new DependencyList();
  for (const [path, entry] of Object.entries(lock.packages)) {
    // The project itself, and workspace folders (linked into node_modules, listed again under their own path).
    if (path === '' || !path.includes(NODE_MODULES)) continue;
    if (!isObject(entry)) throw new LockfileError(fileName, lineOf(path), `"${path}" is not an object`);
    if (entry.link === true) continue;
    const name = typeof entry.name === 'string' ? entry.name : path.slice(path.lastIndexOf(NODE_MODULES) + NODE_MODULES.length);
    if (typeof entry.version !== 'string' || !entry.version) throw new LockfileError(fileName, lineOf(path), `"${path}" has no version`);
    const resolved = typeof entry.resolved === 'string' ? entry.resolved : null;
    if (resolved !== null && !/^https?:/i.test(resolved)) {
      list.skip(`${fileName}:${lineOf(path)}: ${name} comes from ${resolved.split(/[#?]/)[0]}, not the registry`);
      continue;
    }
    list.add(name, entry.version, entry.dev === true);
  }
  return list.result('package-lock');
}
