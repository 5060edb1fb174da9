// How a sandbox child is started, and what the parent can see of it from outside.
import { existsSync, readFileSync } from 'node:fs';
import { PROC_CLEAR_REFS, PROC_STATUS } from './protocol';

const PRLIMIT = utilLinux('prlimit');
const SETPRIV = utilLinux('setpriv');
const [NODE_MAJOR = 0, NODE_MINOR = 0] = process.versions.node.split('.').map(Number);
const PERMISSION_FLAG = NODE_MAJOR > 22 || (NODE_MAJOR === 22 && NODE_MINOR >= 13) ? '--permission' : '--experimental-permission';

/**
 * Plain node on the built script, with the permission model on: the child may read its own script and its /proc
 * status and reset its own peak RSS, nothing else; it may not write files, start processes or workers, or load
 * addons. No code generation from strings either. V8 runs single-threaded. Where util-linux is installed, the child is
 * killed when this process dies (setpriv's parent-death signal), and gets a lifetime CPU-time limit and no core dumps
 * (prlimit; a heap-limit abort would write one): a child left running by a parent that died cannot spin for long.
 */
export function childCommand(script: string, maxHeapMb: number, maxSemiSpaceMb: number | undefined, timeoutMs: number): [string, string[]] {
  const node = [
    `--max-old-space-size=${maxHeapMb}`,
    ...(maxSemiSpaceMb === undefined ? [] : [`--max-semi-space-size=${maxSemiSpaceMb}`]),
    // No parallel GC or background compiler threads: on a task's small heap they only contend for the cores. A
    // warm child's crawl costs about a third less CPU without them (bench:sandbox).
    '--single-threaded',
    '--disallow-code-generation-from-strings',
    PERMISSION_FLAG,
    `--allow-fs-read=${script}`,
    `--allow-fs-read=${PROC_STATUS}`,
    `--allow-fs-write=${PROC_CLEAR_REFS}`,
    '--no-addons',
    '--disable-warning=ExperimentalWarning',
    script,
  ];
  let command: [string, string[]] = [process.execPath, node];
  if (SETPRIV) command = [SETPRIV, ['--pdeathsig', 'KILL', '--', ...command.flat()]];
  if (PRLIMIT) {
    const cpuSeconds = cpuLimitSeconds(timeoutMs);
    command = [PRLIMIT, [`--cpu=${cpuSeconds}:${cpuSeconds + 1}`, '--core=0', '--', ...command.flat()]];
  }
  return command;
}

/**
 * CPU seconds a child may use over its whole life; the pool retires children at half of it. Ten minutes lets a child
 * serve its tasks (a warm child spends a few ms on a crawl), and still ends one that spins on after its parent died
 * where no parent-death signal could be set.
 */
export function cpuLimitSeconds(timeoutMs: number): number {
  return Math.max(LIFETIME_CPU_SECONDS, Math.ceil(timeoutMs / 1000) * 2 + 10);
}

const LIFETIME_CPU_SECONDS = 600;

function utilLinux(name: string): string | undefined {
  return [`/usr/bin/${name}`, `/bin/${name}`].find((file) => existsSync(file));
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
