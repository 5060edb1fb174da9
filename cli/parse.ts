// `changelogs parse FILE...` and `changelogs parse --tarball ARCHIVE...`: parse changelogs on this machine,
// all files in one process. Only the pure parser and the archive reader are loaded — no Temporal, no Postgres.
import { createReadStream, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { chooseChangelog, isChangelogName, parseChangelog } from '../changelog';
import type { ParsedChangelog } from '../changelog';
import { decodeText } from '../activities/sandbox/child/archive/decodeText';
import { readRootFiles } from '../activities/sandbox/child/archive/readRootFiles';

const USAGE = `usage: changelogs parse [--json] [--html] [--versions FILE.json | --meta meta.json] FILE...
       changelogs parse --tarball [--json] [--html] ARCHIVE...   (npm .tgz, .gem, sdist .tar.gz)`;

const ARCHIVE_LIMITS = {
  maxCompressedBytes: 100 * 1024 * 1024,
  maxDecompressedBytes: 500 * 1024 * 1024,
  maxEntries: 100_000,
  maxFileBytes: 5 * 1024 * 1024,
};

interface Options {
  json: boolean;
  html: boolean;
  tarball: boolean;
  knownVersions: string[] | undefined;
  paths: string[];
}

function readOptions(args: string[]): Options | string {
  const o: Options = { json: false, html: false, tarball: false, knownVersions: undefined, paths: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') o.json = true;
    else if (a === '--html') o.html = true;
    else if (a === '--tarball') o.tarball = true;
    else if (a === '--versions' || a === '--meta') {
      const file = args[++i];
      if (!file) return `${a} needs a file`;
      const data: unknown = JSON.parse(readFileSync(file, 'utf8'));
      const list = a === '--meta' ? (data as { versions?: unknown }).versions : data;
      const versions = Array.isArray(list) ? list : typeof list === 'string' ? [list] : null;
      if (!versions) return `${file}: expected a JSON array of versions`;
      o.knownVersions = versions.map(String);
    } else if (a.startsWith('--')) return `unknown option ${a}\n${USAGE}`;
    else o.paths.push(a);
  }
  return o.paths.length ? o : USAGE;
}

function decode(bytes: Buffer): string {
  const decoded = decodeText(bytes, { maxLineLength: 100_000 });
  if ('error' in decoded) throw new Error(decoded.message);
  return decoded.text;
}

/** npm packs `.tgz` files, RubyGems `.gem` files; anything else is taken for a PyPI sdist (`.tar.gz`). */
function archiveKind(path: string): 'npm' | 'gem' | 'sdist' {
  if (path.endsWith('.gem')) return 'gem';
  return path.endsWith('.tgz') ? 'npm' : 'sdist';
}

/** The changelog inside an archive: its path there and its text, or null when the root holds none. */
async function fromArchive(path: string): Promise<{ foundIn: string; text: string } | null> {
  const root = await readRootFiles(createReadStream(path), {
    kind: archiveKind(path),
    limits: ARCHIVE_LIMITS,
    wanted: (name, size) => isChangelogName(name) && size <= ARCHIVE_LIMITS.maxFileBytes,
  });
  const chosen = chooseChangelog(root.files.filter((f) => isChangelogName(f.path)));
  return chosen ? { foundIn: chosen.path, text: decode(chosen.content) } : null;
}

function jsonLine(file: string, parsed: ParsedChangelog, html: boolean, extra: object): string {
  const entries = parsed.entries.map(({ html: rendered, ...e }) => (html ? { ...e, html: rendered } : e));
  return JSON.stringify({ file, format: parsed.format, fileName: parsed.fileName, ...extra, entries });
}

function summary(file: string, parsed: ParsedChangelog, foundIn?: string | null): string {
  const where = foundIn === undefined ? '' : foundIn ? ` (found ${foundIn})` : ' (no changelog in archive)';
  const head = `${file}${where}: ${parsed.format}, ${parsed.entries.length} entries`;
  const first = parsed.entries.slice(0, 5).map((e) => {
    const flags = [e.unreleased && 'unreleased', e.yanked && 'yanked', e.prerelease && 'prerelease'].filter(Boolean);
    return `  ${e.version ?? '(unreleased)'}  ${e.date ?? '-'}${flags.length ? `  [${flags.join(', ')}]` : ''}`;
  });
  return [head, ...first, ...(parsed.entries.length > 5 ? ['  …'] : [])].join('\n');
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  let options: Options | string;
  try {
    options = readOptions(args);
  } catch (err) {
    options = err instanceof Error ? err.message : String(err);
  }
  if (typeof options === 'string') {
    console.error(options);
    return 2;
  }
  const { json, html, tarball, knownVersions } = options;
  let failed = 0;
  const out: string[] = [];
  const flush = () => {
    if (out.length) process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  };
  for (const file of options.paths) {
    try {
      let text: string;
      let fileName = basename(file);
      let foundIn: string | null | undefined;
      if (tarball) {
        const found = await fromArchive(file);
        foundIn = found?.foundIn ?? null;
        text = found?.text ?? '';
        fileName = found?.foundIn ?? '';
      } else {
        text = decode(readFileSync(file));
      }
      const parsed = parseChangelog(text, { fileName, knownVersions, html });
      out.push(json ? jsonLine(file, parsed, html, foundIn === undefined ? {} : { foundIn }) : summary(file, parsed, foundIn));
    } catch (err) {
      failed++;
      const error = err instanceof Error ? err.message : String(err);
      out.push(json ? JSON.stringify({ file, error }) : `${file}: error: ${error}`);
    }
    if (out.length >= 100) flush();
  }
  flush();
  return failed ? 1 : 0;
}
