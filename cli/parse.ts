// `changelogs parse FILE...` and `changelogs parse --tarball ARCHIVE...`: parse changelogs on this machine as a
// crawl would, all files in one process: the crawl's own sandbox tasks (parseText for a file, crawlArchive for an
// archive), run in this process, within the crawl limits of the configuration (MAX_* environment variables). Only
// those and the pure parser are loaded — no Temporal, no Postgres.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { ParsedChangelog } from '../changelog';
import { type Limits, loadLimits } from '../infra/config';
import { changelogBytes, crawlArchive, type CrawlArchiveResult, type ParsedText } from '../activities/sandbox/child/crawlArchive';
import { parseText } from '../activities/sandbox/child/parseText';

const USAGE = `usage: changelogs parse [--json] [--html] [--versions FILE.json | --meta meta.json] FILE...
       changelogs parse --tarball [--json] [--html] ARCHIVE...   (npm .tgz, .gem, sdist .tar.gz)
Limits are a crawl's: MAX_CHANGELOG_BYTES, MAX_LINE_LENGTH, MAX_CHANGELOG_ENTRIES, and for archives
MAX_ARCHIVE_BYTES, MAX_UNPACKED_BYTES, MAX_ARCHIVE_ENTRIES.`;

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

/** npm packs `.tgz` files, RubyGems `.gem` files; anything else is taken for a PyPI sdist (`.tar.gz`). */
function archiveKind(path: string): 'npm' | 'gem' | 'sdist' {
  if (path.endsWith('.gem')) return 'gem';
  return path.endsWith('.tgz') ? 'npm' : 'sdist';
}

/** The parsed changelog out of a task's result; a rejection (a limit, an undecodable file) is the file's error. */
function parsedOf(result: ParsedText | CrawlArchiveResult): ParsedChangelog {
  const { value } = result;
  if (value.outcome === 'rejected') throw new Error(value.message);
  if (value.outcome !== 'found') throw new Error(`no changelog: ${value.outcome}`);
  return JSON.parse(changelogBytes(value, result.bytes).parsedJson.toString('utf8')) as ParsedChangelog;
}

/** A changelog file, as a crawl parses one it downloaded: capped at maxChangelogBytes, then parseText. */
async function fromFile(path: string, limits: Limits, knownVersions: readonly string[]): Promise<ParsedChangelog> {
  const { size } = statSync(path);
  if (size > limits.maxChangelogBytes) throw new Error(`${size} bytes, over the limit of ${limits.maxChangelogBytes} (MAX_CHANGELOG_BYTES)`);
  return parsedOf(await parseText({ fileName: basename(path), sourceUrl: null, knownVersions, limits }, createReadStream(path)));
}

/** The changelog a crawl would find in an archive, parsed; null when the root holds none. */
async function fromArchive(path: string, limits: Limits, knownVersions: readonly string[]): Promise<{ foundIn: string; parsed: ParsedChangelog } | null> {
  const result = await crawlArchive({ kind: archiveKind(path), limits, knownVersions, sourceUrlBase: null }, createReadStream(path));
  if (result.value.outcome === 'not-found') return null;
  const parsed = parsedOf(result);
  return { foundIn: parsed.fileName, parsed };
}

function jsonLine(file: string, parsed: ParsedChangelog | null, html: boolean, extra: object): string {
  if (!parsed) return JSON.stringify({ file, format: null, fileName: null, ...extra, entries: [] });
  const entries = parsed.entries.map(({ html: rendered, ...e }) => (html ? { ...e, html: rendered } : e));
  return JSON.stringify({ file, format: parsed.format, fileName: parsed.fileName, ...extra, entries });
}

function summary(file: string, parsed: ParsedChangelog | null, foundIn?: string | null): string {
  if (!parsed) return `${file} (no changelog in archive)`;
  const where = foundIn === undefined ? '' : ` (found ${foundIn})`;
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
  const { json, html, tarball } = options;
  const knownVersions = options.knownVersions ?? [];
  let limits: Limits;
  try {
    limits = loadLimits();
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  let failed = 0;
  const out: string[] = [];
  const flush = () => {
    if (out.length) process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  };
  for (const file of options.paths) {
    try {
      let parsed: ParsedChangelog | null;
      let foundIn: string | null | undefined;
      if (tarball) {
        const found = await fromArchive(file, limits, knownVersions);
        foundIn = found?.foundIn ?? null;
        parsed = found?.parsed ?? null;
      } else {
        parsed = await fromFile(file, limits, knownVersions);
      }
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
