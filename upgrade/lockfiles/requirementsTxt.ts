// requirements.txt with pinned versions (`name==1.2.3`, as pip freeze and pip-compile write them). Each
// requirement is parsed as PEP 508 by pip-requirements-js; what the library does not read, pip's own line
// syntax around the requirement (continuation backslashes, `--hash` and other options, `-e`), is taken off
// here first, so each error can name its line.
import { parsePipRequirementsLine, type Requirement } from 'pip-requirements-js';
import { DependencyList, LockfileError, type ParsedLockfile } from './types';

/** Options that take a value in the next word when not written `--opt=value`. */
const OPTIONS_WITH_VALUE = /^(-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host|--no-binary|--only-binary|--use-feature|--config-settings|--global-option|-c|--constraint|-r|--requirement|-e|--editable)$/;

interface LogicalLine {
  text: string;
  /** The 1-based line it starts on. */
  line: number;
}

/** Joins backslash continuations and drops comments (a `#` at the start or after whitespace). */
function logicalLines(text: string): LogicalLine[] {
  const result: LogicalLine[] = [];
  let pending: LogicalLine | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const uncommented = raw.replace(/(^|\s)#.*$/, '');
    const continued = /\\$/.test(uncommented);
    const part = continued ? uncommented.slice(0, -1) : uncommented;
    pending = pending ? { text: `${pending.text} ${part}`, line: pending.line } : { text: part, line: i + 1 };
    if (!continued) {
      if (pending.text.trim()) result.push({ text: pending.text.trim(), line: pending.line });
      pending = null;
    }
  });
  if (pending !== null && (pending as LogicalLine).text.trim()) result.push(pending);
  return result;
}

export function parseRequirementsTxt(text: string, fileName = 'requirements.txt'): ParsedLockfile {
  const list = new DependencyList();
  for (const { text: line, line: number } of logicalLines(text)) {
    const where = `${fileName}:${number}`;
    if (line.startsWith('-')) {
      const [option, value] = line.split(/[\s=]+/, 2);
      if (/^(-r|--requirement|-c|--constraint)$/.test(option!)) list.skip(`${where}: ${value ?? 'another file'} is not read (give that file on its own)`);
      else if (/^(-e|--editable)$/.test(option!)) list.skip(`${where}: an editable install (${value ?? '?'}) does not come from the registry`);
      continue; // --index-url, --hash on its own line, --pre…: settings of pip, not requirements
    }
    // The requirement is everything before its first option (`--hash=…` and the like).
    const words = line.split(/\s+/);
    const firstOption = words.findIndex((w, i) => w.startsWith('--') || (w.startsWith('-') && OPTIONS_WITH_VALUE.test(w) && i > 0));
    const requirementText = (firstOption < 0 ? words : words.slice(0, firstOption)).join(' ');
    if (/^(\.{0,2}\/|[a-z][a-z0-9+.-]*:\/\/)/i.test(requirementText)) {
      list.skip(`${where}: ${requirementText} is a path or URL, not a package of the registry`);
      continue;
    }
    let requirement: Requirement | null;
    try {
      // Arbitrary equality (`===`) pins a version as `==` does; the library's grammar lacks it.
      requirement = parsePipRequirementsLine(requirementText.replace(/===/, '=='));
    } catch (err) {
      const detail = /col (\d+): (.*)$/.exec((err as Error).message);
      throw new LockfileError(fileName, number, detail ? `not a requirement: at column ${detail[1]}, ${detail[2]} ("${requirementText.slice(0, 60)}")` : `not a requirement: "${requirementText.slice(0, 60)}"`);
    }
    if (!requirement) continue;
    if (requirement.type !== 'ProjectName') {
      list.skip(`${where}: ${'name' in requirement ? requirement.name : line} does not come from the registry`);
      continue;
    }
    const pins = (requirement.versionSpec ?? []).filter((spec) => spec.operator === '==' && !spec.version.includes('*'));
    if (pins.length !== 1 || requirement.versionSpec!.length !== 1) {
      list.skip(`${where}: ${requirementText} is not pinned to one version (name==1.2.3)`);
      continue;
    }
    list.add(requirement.name, pins[0]!.version);
  }
  return list.result('requirements-txt');
}
