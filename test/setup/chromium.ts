// Chromium for the browser tests, found the way the Temporal CLI is (infra/temporal/goTools.ts):
// CHROMIUM_PATH, then /usr/bin/chromium, then `chromium` on PATH; otherwise Debian's package is installed
// where apt-get can be used (as root, or through sudo without a password), with progress; otherwise one
// clear line says what to do. The global setup calls this before any test runs, so a run never fails
// midway for want of a browser.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export class ChromiumNotFoundError extends Error {
  override name = 'ChromiumNotFoundError';
}

export interface ChromiumOptions {
  env?: NodeJS.ProcessEnv;
  /** Where a system Chromium is looked for before PATH. */
  knownPaths?: string[];
  /** Whether this process may run apt-get itself; otherwise it goes through `sudo -n`. */
  isRoot?: boolean;
  progress?: (line: string) => void;
}

const HOW_TO_PROVIDE = 'the browser tests need Chromium: install it (Debian: apt-get install chromium) or set CHROMIUM_PATH to its executable';

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, command))) return path.join(dir, command);
  }
  return null;
}

/** Looks without installing; a CHROMIUM_PATH that is not an executable is an error, not a fallback. */
export function findChromium({ env = process.env, knownPaths = ['/usr/bin/chromium'] }: ChromiumOptions = {}): string | null {
  if (env.CHROMIUM_PATH) {
    if (!isExecutable(env.CHROMIUM_PATH)) throw new ChromiumNotFoundError(`CHROMIUM_PATH is set to ${env.CHROMIUM_PATH}, which is not an executable file`);
    return env.CHROMIUM_PATH;
  }
  return knownPaths.find(isExecutable) ?? onPath('chromium', env);
}

/** How to run apt-get here, or null where it cannot be used. */
function aptGet(env: NodeJS.ProcessEnv, isRoot: boolean): string[] | null {
  if (!onPath('apt-get', env)) return null;
  if (isRoot) return ['apt-get'];
  if (onPath('sudo', env) && spawnSync('sudo', ['-n', 'true'], { env, stdio: 'ignore' }).status === 0) return ['sudo', '-n', 'apt-get'];
  return null;
}

/** Runs apt-get, reporting every 10 s how far it got; resolves to its exit code and last lines. */
async function runApt(command: string[], args: string[], env: NodeJS.ProcessEnv, progress: (line: string) => void): Promise<{ code: number | null; tail: string[] }> {
  const started = Date.now();
  const counts = { fetched: 0, unpacked: 0, set: 0 };
  let tail: string[] = [];
  const child = spawn(command[0]!, [...command.slice(1), ...args], { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const read = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      if (/^Get:\d+/.test(line)) counts.fetched += 1;
      if (line.startsWith('Unpacking ')) counts.unpacked += 1;
      if (line.startsWith('Setting up ')) counts.set += 1;
      tail = [...tail.slice(-15), line];
    }
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  const ticker = setInterval(() => {
    progress(`  … ${Math.round((Date.now() - started) / 1000)}s: ${counts.fetched} downloaded, ${counts.unpacked} unpacked, ${counts.set} set up`);
  }, 10_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(ticker);
  return { code, tail };
}

export async function locateChromium(options: ChromiumOptions = {}): Promise<string> {
  const { env = process.env, isRoot = process.getuid?.() === 0, progress = (line: string) => console.log(line) } = options;
  const found = findChromium(options);
  if (found) return found;
  const apt = aptGet(env, isRoot);
  if (!apt) throw new ChromiumNotFoundError(`${HOW_TO_PROVIDE} (none found, and apt-get cannot be used here)`);
  progress(`Chromium not found: installing Debian's chromium package with ${apt.join(' ')} (once; later runs find it).`);
  const install = ['install', '-y', '--no-install-recommends', 'chromium'];
  let result = await runApt(apt, install, env, progress);
  if (result.code !== 0 && result.tail.some((line) => /Unable to locate package|has no installation candidate/.test(line))) {
    progress('  the package lists are out of date: apt-get update');
    await runApt(apt, ['update'], env, progress);
    result = await runApt(apt, install, env, progress);
  }
  const installed = findChromium(options);
  if (result.code !== 0 || !installed) {
    throw new ChromiumNotFoundError(`${HOW_TO_PROVIDE} (apt-get install chromium failed: ${result.tail.at(-1) ?? `exit ${result.code}`})`);
  }
  progress(`Chromium installed: ${installed}`);
  return installed;
}
