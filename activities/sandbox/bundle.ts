// Builds the sandbox child into one plain JavaScript file, once per process and tasks module, so each sandbox
// starts as `node child.js` (~40 ms) instead of loading TypeScript through tsx (hundreds of ms).
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as Esbuild from 'esbuild';

const builds = new Map<string, Promise<string>>();
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** The path of the child script serving the `tasks` exported by `tasksModule` (an absolute path). */
export function childScript(tasksModule: string): Promise<string> {
  let build = builds.get(tasksModule);
  if (!build) {
    build = buildChild(tasksModule);
    builds.set(tasksModule, build);
    // A failed build (say, a syntax error being fixed) is retried by the next caller.
    build.catch(() => builds.delete(tasksModule));
  }
  return build;
}

async function buildChild(tasksModule: string): Promise<string> {
  // Required lazily: esbuild is a build tool, loaded only by processes that run sandboxes.
  const esbuild = require('esbuild') as typeof Esbuild;
  const serve = path.join(__dirname, 'child', 'serve.ts');
  const result = await esbuild.build({
    stdin: {
      contents: `require(${JSON.stringify(serve)}).serve(require(${JSON.stringify(tasksModule)}).tasks);`,
      resolveDir: __dirname,
      sourcefile: 'sandbox-child.js',
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${process.versions.node.split('.')[0]}`,
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error(`esbuild produced no output for the sandbox child of ${tasksModule}`);
  return writeOnce(Buffer.from(code));
}

/** Content-addressed, in a directory only this user can write, so no one else can plant code we would run. */
function writeOnce(code: Buffer): string {
  const dir = privateDir(path.join(tmpdir(), `changelogs-sandbox-${process.getuid?.() ?? 'user'}`));
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 24);
  const file = path.join(dir, `child-${hash}.js`);
  if (sameContent(file, code)) {
    const now = new Date();
    utimesSync(file, now, now);
    return file;
  }
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, code, { mode: 0o600 });
  renameSync(partial, file);
  pruneStale(dir);
  return file;
}

/** Builds of sources that have since changed; a day unused is long enough for any process still starting them. */
function pruneStale(dir: string): void {
  const cutoff = Date.now() - STALE_AFTER_MS;
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    try {
      if (name.startsWith('child-') && statSync(file).mtimeMs < cutoff) unlinkSync(file);
    } catch {
      // Pruned by another process meanwhile.
    }
  }
}

function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stats = lstatSync(dir);
  const ownedByUs = process.getuid === undefined || stats.uid === process.getuid();
  if (!stats.isDirectory() || !ownedByUs || (stats.mode & 0o077) !== 0) {
    throw new Error(`${dir} must be a directory private to this user (mode 700) to hold sandbox code`);
  }
  return dir;
}

function sameContent(file: string, code: Buffer): boolean {
  try {
    return readFileSync(file).equals(code);
  } catch {
    return false;
  }
}
