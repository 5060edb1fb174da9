// How a sandbox child is started, and what the parent can see of it from outside.
import { existsSync, readFileSync } from 'node:fs';
import { PROC_CLEAR_REFS, PROC_STATUS } from './protocol';

const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit'].find((file) => existsSync(file));
const [NODE_MAJOR = 0, NODE_MINOR = 0] = process.versions.node.split('.').map(Number);
const PERMISSION_FLAG = NODE_MAJOR > 22 || (NODE_MAJOR === 22 && NODE_MINOR >= 13) ? '--permission' : '--experimental-permission';

/**
 * Plain node on the built script, with the permission model on: the child may read its own script and its /proc
 * status and reset its own peak RSS, nothing else; it may not write files, start processes or workers, or load
 * addons. No code generation from strings either. Where util-linux's prlimit exists the child also gets a CPU-time limit, which ends a runaway
 * child even if this process dies without killing it, and no core dumps (a heap-limit abort would write one).
 */
export function childCommand(script: string, maxHeapMb: number, maxSemiSpaceMb: number | undefined, timeoutMs: number): [string, string[]] {
  const node = [
    `--max-old-space-size=${maxHeapMb}`,
    ...(maxSemiSpaceMb === undefined ? [] : [`--max-semi-space-size=${maxSemiSpaceMb}`]),
    '--disallow-code-generation-from-strings',
    PERMISSION_FLAG,
    `--allow-fs-read=${script}`,
    `--allow-fs-read=${PROC_STATUS}`,
    `--allow-fs-write=${PROC_CLEAR_REFS}`,
    '--no-addons',
    '--disable-warning=ExperimentalWarning',
    script,
  ];
  if (!PRLIMIT) return [process.execPath, node];
  const cpuSeconds = cpuLimitSeconds(timeoutMs);
  return [PRLIMIT, [`--cpu=${cpuSeconds}:${cpuSeconds + 1}`, '--core=0', '--', process.execPath, ...node]];
}

/** CPU seconds a child may use over its whole life: the pool retires children well before they reach it. */
export function cpuLimitSeconds(timeoutMs: number): number {
  return Math.ceil(timeoutMs / 1000) * 2 + 10;
}

/** The child's resident memory as Linux reports it, or null where there is no /proc (or no child any more). */
export function residentBytes(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? null : Number(match[1]) * 1024;
  } catch {
    return null;
  }
}
