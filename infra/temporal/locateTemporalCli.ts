// Finds the Temporal CLI (which carries the dev server), building it with Go when it is missing.
// Release binaries cannot be downloaded everywhere, but the Go module proxy usually can be reached.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The newest CLI tag whose go.mod has no `replace` directive, so `go install` can build it. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export type TemporalCliSource = 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'go install';

export interface LocatedCli {
  path: string;
  source: TemporalCliSource;
}

export class TemporalCliNotFoundError extends Error {
  override name = 'TemporalCliNotFoundError';
}

export function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'changelogs', 'bin', 'temporal');
}

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

/** Looks without building: TEMPORAL_CLI, then PATH, then the cache. */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): LocatedCli | null {
  if (env.TEMPORAL_CLI) {
    if (!isExecutable(env.TEMPORAL_CLI)) {
      throw new TemporalCliNotFoundError(`TEMPORAL_CLI is set to ${env.TEMPORAL_CLI}, which is not an executable file`);
    }
    return { path: env.TEMPORAL_CLI, source: 'TEMPORAL_CLI' };
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const cached = cachedCliPath(env);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return null;
}

function hasGo(env: NodeJS.ProcessEnv): boolean {
  return spawnSync('go', ['version'], { env, stdio: 'ignore' }).status === 0;
}

/**
 * `go install` into the cache. It takes a few minutes the first time (hundreds of modules), so every
 * module download and a heartbeat of elapsed time are reported through `progress`.
 */
export async function buildTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
  progress: (line: string) => void = (line) => console.error(line),
): Promise<LocatedCli> {
  const target = cachedCliPath(env);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  progress(`Building the Temporal CLI with Go (${TEMPORAL_CLI_MODULE}) into ${path.dirname(target)}.`);
  progress('This happens once and takes a few minutes; later starts reuse the binary.');
  const started = Date.now();
  let downloads = 0;
  const child = spawn('go', ['install', TEMPORAL_CLI_MODULE], {
    env: { ...env, GOBIN: path.dirname(target) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let lastLines: string[] = [];
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      if (line.startsWith('go: downloading')) downloads += 1;
      lastLines = [...lastLines.slice(-20), line];
    }
  });
  const ticker = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    progress(`  … ${seconds}s, ${downloads} modules downloaded${downloads > 0 ? ', compiling' : ''}`);
  }, 15_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(ticker);
  if (code !== 0 || !isExecutable(target)) {
    throw new TemporalCliNotFoundError(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${code}):\n${lastLines.join('\n')}`);
  }
  progress(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)}s: ${target}`);
  return { path: target, source: 'go install' };
}

/** Finds the CLI, or builds it when Go is available; null when neither works (the caller may fall back). */
export async function locateOrBuildTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
  progress?: (line: string) => void,
): Promise<LocatedCli | null> {
  const found = findTemporalCli(env);
  if (found) return found;
  if (!hasGo(env)) return null;
  return buildTemporalCli(env, progress);
}

export const HOW_TO_PROVIDE_TEMPORAL = [
  'No Temporal CLI was found and none could be built or downloaded. Provide one of:',
  '  - TEMPORAL_CLI=/path/to/temporal',
  '  - a `temporal` binary on PATH',
  `  - Go (1.22+) with access to a Go module proxy, to build ${TEMPORAL_CLI_MODULE}`,
  '  - internet access, for the Temporal SDK to download its dev server',
  '  - or TEMPORAL_ADDRESS=host:port of a running Temporal server',
].join('\n');
