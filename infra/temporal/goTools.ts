// Finds Temporal's binaries (the CLI with its dev server; the server, its SQL tool and the Web UI for a
// Postgres-backed deployment), building them with Go when they are missing. Release binaries cannot be
// downloaded everywhere, but the Go module proxy usually can be reached; a build is cached, so it happens once.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface GoTool {
  /** What it is, for messages. */
  title: string;
  /** `go install` target; a tag whose go.mod has no `replace` directive, so it builds from the module proxy. */
  module: string;
  /** Folder in the cache (one per version, since two of these binaries are named alike). */
  folder: string;
  /** The binary `go install` writes there. */
  binary: string;
  /** Variable naming a binary to use instead. */
  envVar: string;
  /** Name looked up on PATH, for tools commonly installed there. */
  onPath?: string;
  /** Tools that `go install` builds together with this one (same module and version). */
  buildsWith?: string[];
}

/** The newest CLI tag with no `replace` directive in its go.mod. */
export const TEMPORAL_CLI: GoTool = {
  title: 'Temporal CLI',
  module: 'github.com/temporalio/cli/cmd/temporal@v1.5.1',
  folder: 'bin',
  binary: 'temporal',
  envVar: 'TEMPORAL_CLI',
  onPath: 'temporal',
};

/** The Temporal server; v1.32.0 builds with Go 1.26 (later patch releases need a newer toolchain). */
export const TEMPORAL_SERVER: GoTool = {
  title: 'Temporal server',
  module: 'go.temporal.io/server/cmd/server@v1.32.0',
  folder: 'temporal-server-1.32.0',
  binary: 'server',
  envVar: 'TEMPORAL_SERVER_BIN',
  buildsWith: ['go.temporal.io/server/cmd/tools/sql@v1.32.0'],
};

/** The server's SQL schema tool; the schemas of its version are embedded in it. */
export const TEMPORAL_SQL_TOOL: GoTool = {
  title: 'Temporal SQL tool',
  module: 'go.temporal.io/server/cmd/tools/sql@v1.32.0',
  folder: 'temporal-server-1.32.0',
  binary: 'sql',
  envVar: 'TEMPORAL_SQL_TOOL_BIN',
  buildsWith: ['go.temporal.io/server/cmd/server@v1.32.0'],
};

/** The Web UI server, its assets embedded. */
export const TEMPORAL_UI: GoTool = {
  title: 'Temporal Web UI',
  module: 'github.com/temporalio/ui-server/v2/cmd/server@v2.55.0',
  folder: 'temporal-ui-2.55.0',
  binary: 'server',
  envVar: 'TEMPORAL_UI_BIN',
};

export type ToolSource = 'environment' | 'PATH' | 'cache' | 'go install';

export interface LocatedTool {
  path: string;
  source: ToolSource;
}

export class ToolNotFoundError extends Error {
  override name = 'ToolNotFoundError';
}

/** Kept under its old name: the dev server's callers know it by it. */
export const TemporalCliNotFoundError = ToolNotFoundError;

export function cachedToolPath(tool: GoTool, env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'changelogs', tool.folder, tool.binary);
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

/** Looks without building: the tool's variable, then PATH (where it is commonly there), then the cache. */
export function findTool(tool: GoTool, env: NodeJS.ProcessEnv = process.env): LocatedTool | null {
  const given = env[tool.envVar];
  if (given) {
    if (!isExecutable(given)) throw new ToolNotFoundError(`${tool.envVar} is set to ${given}, which is not an executable file`);
    return { path: given, source: 'environment' };
  }
  const fromPath = tool.onPath ? onPath(tool.onPath, env) : null;
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const cached = cachedToolPath(tool, env);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return null;
}

export function hasGo(env: NodeJS.ProcessEnv = process.env): boolean {
  return spawnSync('go', ['version'], { env, stdio: 'ignore' }).status === 0;
}

/**
 * `go install` into the cache. It takes minutes the first time (hundreds of modules), so module downloads and
 * the elapsed time are reported through `progress` every 15 s.
 */
export async function buildTool(tool: GoTool, env: NodeJS.ProcessEnv = process.env, progress: (line: string) => void = (line) => console.error(line)): Promise<LocatedTool> {
  const target = cachedToolPath(tool, env);
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const modules = [tool.module, ...(tool.buildsWith ?? [])];
  progress(`Building the ${tool.title} with Go (${modules.join(' ')}) into ${dir}.`);
  progress('This happens once and takes a few minutes; later starts reuse the binary.');
  const started = Date.now();
  let downloads = 0;
  const child = spawn('go', ['install', ...modules], { env: { ...env, GOBIN: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
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
    throw new ToolNotFoundError(`go install ${modules.join(' ')} failed (exit ${code}):\n${lastLines.join('\n')}`);
  }
  progress(`${tool.title} built in ${Math.round((Date.now() - started) / 1000)}s: ${target}`);
  return { path: target, source: 'go install' };
}

/** Finds the tool, or builds it when Go is available; null when neither works (the caller may fall back). */
export async function locateOrBuildTool(tool: GoTool, env: NodeJS.ProcessEnv = process.env, progress?: (line: string) => void): Promise<LocatedTool | null> {
  const found = findTool(tool, env);
  if (found) return found;
  if (!hasGo(env)) return null;
  return buildTool(tool, env, progress);
}

/** Like locateOrBuildTool, for a tool there is no way around: no Go is an error that says what to do. */
export async function requireTool(tool: GoTool, env: NodeJS.ProcessEnv = process.env, progress?: (line: string) => void): Promise<string> {
  const located = await locateOrBuildTool(tool, env, progress);
  if (!located) {
    throw new ToolNotFoundError(`The ${tool.title} was not found and cannot be built: set ${tool.envVar}=/path/to/${tool.binary}, or install Go (1.26) with access to a Go module proxy to build ${tool.module}.`);
  }
  return located.path;
}

export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): LocatedTool | null {
  return findTool(TEMPORAL_CLI, env);
}

export function locateOrBuildTemporalCli(env: NodeJS.ProcessEnv = process.env, progress?: (line: string) => void): Promise<LocatedTool | null> {
  return locateOrBuildTool(TEMPORAL_CLI, env, progress);
}

export const HOW_TO_PROVIDE_TEMPORAL = [
  'No Temporal CLI was found and none could be built or downloaded. Provide one of:',
  '  - TEMPORAL_CLI=/path/to/temporal',
  '  - a `temporal` binary on PATH',
  `  - Go (1.22+) with access to a Go module proxy, to build ${TEMPORAL_CLI.module}`,
  '  - internet access, for the Temporal SDK to download its dev server',
  '  - or TEMPORAL_ADDRESS=host:port of a running Temporal server',
].join('\n');
