// Gemfile.lock, as Bundler writes it: sections whose name is a line of capitals (GEM, GIT, PATH, PLUGIN SOURCE,
// PLATFORMS, DEPENDENCIES, CHECKSUMS, RUBY VERSION, BUNDLED WITH); in a source section, `  remote:` and
// `  specs:`, then one gem a line at four spaces, `name (version)` or `name (version-platform)`, and its own
// dependencies at six. Only gems of GEM sections come from the registry. The npm parsers of this format read
// anything without a word of complaint, so this one is small and strict: a line it does not expect is an error.
import { DependencyList, LockfileError, type ParsedLockfile } from './types';

const SECTION = /^[A-Z][A-Z ]*$/;
const SOURCES = new Set(['GEM', 'GIT', 'PATH', 'PLUGIN SOURCE']);
/** `    name (version)`, `    name (version-platform)`. A version has no `-`; what follows it is the platform. */
const SPEC = /^ {4}([^\s()]+) \(([^\s()-]+)(?:-([^\s()]+))?\)$/;
/** `      name`, `      name (>= 1.0, < 2)` */
const SPEC_DEPENDENCY = /^ {6}[^\s()]+(?: \([^()]+\))?$/;
const SOURCE_OPTION = /^ {2}[a-z_]+:(?: .*)?$/;

export function parseGemfileLock(text: string, fileName = 'Gemfile.lock'): ParsedLockfile {
  const list = new DependencyList();
  let section: string | null = null;
  let inSpecs = false;
  let remote: string | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fail = (reason: string): never => {
      throw new LockfileError(fileName, i + 1, reason);
    };
    if (line.trim() === '') continue;
    if (line.includes('\t')) fail('a tab: Gemfile.lock is indented with spaces');
    if (!line.startsWith(' ')) {
      if (!SECTION.test(line)) fail(`expected a section name in capitals (GEM, PLATFORMS, DEPENDENCIES…), found "${line.slice(0, 60)}"`);
      section = line;
      inSpecs = false;
      remote = null;
      continue;
    }
    if (section === null) fail('an indented line before any section');
    if (!SOURCES.has(section!)) continue; // PLATFORMS, DEPENDENCIES, CHECKSUMS…: nothing this report needs
    if (line === '  specs:') {
      inSpecs = true;
      continue;
    }
    if (!inSpecs) {
      if (!SOURCE_OPTION.test(line)) fail(`expected "remote:", "specs:" or another option of the ${section} section, found "${line.trim().slice(0, 60)}"`);
      if (line.startsWith('  remote:')) remote = line.slice('  remote:'.length).trim();
      continue;
    }
    const spec = SPEC.exec(line);
    if (spec) {
      const [, name, version] = spec;
      if (section === 'GEM') list.add(name!, version!);
      else list.skip(`${fileName}:${i + 1}: ${name} comes from ${section === 'PATH' ? 'a path' : section === 'GIT' ? 'a git repository' : 'a plugin source'}${remote ? ` (${remote})` : ''}, not the registry`);
      continue;
    }
    if (SPEC_DEPENDENCY.test(line)) continue;
    if (/^ {4}\S/.test(line)) fail(`expected a gem and its version, "name (1.2.3)", found "${line.trim().slice(0, 60)}"`);
    fail(`unexpected indentation or text in the specs of ${section}: "${line.slice(0, 60)}"`);
  }
  if (section === null) throw new LockfileError(fileName, null, 'no sections: this is not a Gemfile.lock');
  return list.result('gemfile-lock');
}
