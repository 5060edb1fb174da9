import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { retireIdleChildren } from './pool';
import { WithBytes } from './protocol';
import { createSandbox } from './runSandboxed';
import { SandboxError } from './SandboxError';
import type { tasks } from './fixtures/testTasks';

// Real child processes, built from a tasks module that misbehaves on purpose.
const sandbox = createSandbox<typeof tasks>(path.join(__dirname, 'fixtures/testTasks.ts'));

jest.setTimeout(30_000);

beforeAll(() => sandbox.prepare());

async function failure(run: Promise<unknown>): Promise<SandboxError> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof SandboxError)) throw new Error(`expected a SandboxError, got ${String(err)}`);
  return err;
}

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('runSandboxed: results', () => {
  it('runs a task in another process and returns its result with the child stats', async () => {
    const { value, stats } = await sandbox.run('echo', { params: { text: 'hello' } });
    expect(value.text).toBe('hello');
    expect(value.pid).not.toBe(process.pid);
    expect(stats.pid).toBe(value.pid);
    expect(stats.maxRssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(stats.cpuMs).toEqual(expect.any(Number));
  });

  it('streams input bytes, from a Buffer or a Readable, to the task', async () => {
    const bytes = Buffer.alloc(3_000_000, 7);
    const fromBuffer = await sandbox.run('countInput', { params: null, bytes });
    const fromStream = await sandbox.run('countInput', { params: null, bytes: Readable.from([bytes, bytes]) });
    expect(fromBuffer.value.bytes).toBe(3_000_000);
    expect(fromStream.value.bytes).toBe(6_000_000);
    expect(fromStream.stats.inputBytes).toBe(6_000_000);
  });

  it('runs several sandboxes side by side, one of them hostile, and the others complete', async () => {
    const runs = await Promise.allSettled([
      sandbox.run('loopForever', { params: undefined as never }, { timeoutMs: 1_500 }),
      ...['a', 'b', 'c', 'd'].map((text) => sandbox.run('echo', { params: { text } })),
    ]);
    expect(runs[0]).toMatchObject({ status: 'rejected', reason: { reason: 'timeout' } });
    expect(runs.slice(1).map((r) => r.status === 'fulfilled' && r.value.value.text)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('calls onProgress while the child runs, with its pid', async () => {
    const seen: number[] = [];
    const { stats } = await sandbox.run(
      'sleep',
      { params: { ms: 400 } },
      { progressIntervalMs: 50, onProgress: (p) => seen.push(p.pid) },
    );
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seen)).toEqual(new Set([stats.pid]));
  });

  it('gives the child no environment, no file system, no child processes and no eval', async () => {
    const { value } = await sandbox.run('tryToEscape', { params: undefined as never });
    expect(value.env).toEqual([]);
    expect(value.attempts).toEqual({
      readFile: 'ERR_ACCESS_DENIED',
      writeFile: 'ERR_ACCESS_DENIED',
      spawn: 'ERR_ACCESS_DENIED',
      eval: 'EvalError',
    });
  });
});

describe('runSandboxed: an input that kills its sandbox leaves the parent serving', () => {
  it('reports out-of-memory when the heap limit is reached, and the next task runs fine', async () => {
    const started = Date.now();
    const err = await failure(sandbox.run('allocateForever', { params: undefined as never }, { maxHeapMb: 64, maxRssMb: 1024 }));
    expect(err.reason).toBe('out-of-memory');
    expect(err.message).toMatch(/heap out of memory/);
    // The heap cap held: the child died near 64 MB of heap, far from the 1 GB RSS backstop.
    expect(err.stats.maxRssBytes).toBeLessThan(300 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(10_000);
    const pid = process.pid;
    const next = await sandbox.run('echo', { params: { text: 'still here' } });
    expect(next.value.text).toBe('still here');
    expect(process.pid).toBe(pid);
  });

  it('reports out-of-memory when memory outside the heap (Buffers) crosses maxRssMb', async () => {
    const err = await failure(sandbox.run('allocateBuffersForever', { params: undefined as never }, { maxRssMb: 200 }));
    expect(err.reason).toBe('out-of-memory');
    expect(err.message).toMatch(/resident memory reached \d+ MB, over the limit of 200 MB/);
  });

  it('kills an infinite loop at timeoutMs', async () => {
    const started = Date.now();
    const err = await failure(sandbox.run('loopForever', { params: undefined as never }, { timeoutMs: 1_000 }));
    const elapsed = Date.now() - started;
    expect(err.reason).toBe('timeout');
    expect(elapsed).toBeGreaterThanOrEqual(1_000);
    expect(elapsed).toBeLessThan(2_000);
    expect(isAlive(err.stats.pid as number)).toBe(false);
  });

  it('kills a child that sends back more than maxOutputBytes', async () => {
    const err = await failure(sandbox.run('returnHuge', { params: { bytes: 20_000_000 } }, { maxOutputBytes: 1_000_000 }));
    expect(err.reason).toBe('output-too-large');
    expect(err.message).toMatch(/send back \d+ bytes, over the limit of 1000000/);
    // Refused on the frame's announced length: the parent never buffered the 20 MB.
    expect(err.stats.outputBytes).toBeLessThan(1_000_000);
  });

  // The parent-death signal is set through util-linux's setpriv; without it there is none to test.
  const withSetpriv = ['/usr/bin/setpriv', '/bin/setpriv'].some((file) => existsSync(file)) ? it : it.skip;
  withSetpriv('dies with its parent: a parent killed by SIGKILL leaves no sandbox spinning', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures/parentOfLoop.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: parent.stdout as Readable });
    const pid = Number((await lines[Symbol.asyncIterator]().next()).value);
    expect(isAlive(pid)).toBe(true);
    parent.kill('SIGKILL');
    try {
      // The child loops forever and its parent is gone: only the parent-death signal can end it this soon.
      await waitUntil(() => !isAlive(pid), 3_000);
    } finally {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('counts the bytes of a WithBytes result together with its envelope against maxOutputBytes', async () => {
    // Each frame alone is under the limit; the two together are not.
    const err = await failure(sandbox.run('withBytes', { params: { text: 'x'.repeat(600_000), size: 600_000 } }, { maxOutputBytes: 1_000_000 }));
    expect(err.reason).toBe('output-too-large');
    expect(err.message).toMatch(/send back 1200\d{3} bytes, over the limit of 1000000/);
  });

  it('reports a crash by signal as crashed', async () => {
    const err = await failure(sandbox.run('exitAbruptly', { params: undefined as never }));
    expect(err.reason).toBe('crashed');
    expect(err.message).toMatch(/SIGSEGV/);
  });

  it('reports a crash while its input is still being written as crashed, not as a broken pipe', async () => {
    // The parent is mid-write when the child dies: the write fails, and the child's death is what counts.
    const err = await failure(sandbox.run('exitAbruptly', { params: undefined as never, bytes: Buffer.alloc(8 * 1024 * 1024) }));
    expect(err.reason).toBe('crashed');
    expect(err.message).toMatch(/SIGSEGV/);
  });
});

describe('runSandboxed: children serve several tasks, within bounds', () => {
  beforeEach(() => retireIdleChildren());

  it('sends the bytes of a WithBytes result beside its value, and the child serves on', async () => {
    const first = await sandbox.run('withBytes', { params: { text: 'a', size: 200_000 } });
    expect(first.value).toBeInstanceOf(WithBytes);
    expect(first.value.value).toEqual({ text: 'a' });
    expect(first.value.bytes).toEqual(Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 256)));
    const empty = await sandbox.run('withBytes', { params: { text: 'b', size: 0 } });
    expect(empty.value.bytes.length).toBe(0);
    const next = await sandbox.run('echo', { params: { text: 'after' } });
    expect(next.value.text).toBe('after');
    expect(new Set([first.stats.pid, empty.stats.pid, next.stats.pid]).size).toBe(1);
  });

  it('runs the next task in the child that completed the last one', async () => {
    const first = await sandbox.run('echo', { params: { text: 'one' } });
    const second = await sandbox.run('echo', { params: { text: 'two' } });
    expect(second.value.text).toBe('two');
    expect(second.stats.pid).toBe(first.stats.pid);
    expect(second.stats.reusedChild).toBe(true);
  });

  it('keeps tasks apart when one leaves its input unread', async () => {
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(64 * 1024, 1));
      },
    });
    const ignoring = await sandbox.run('echo', { params: { text: 'unread' }, bytes: endless } as never);
    const big = await sandbox.run('echo', { params: { text: 'unread too' }, bytes: Buffer.alloc(3_000_000) } as never);
    const counted = await sandbox.run('countInput', { params: null, bytes: Buffer.alloc(200_000, 2) });
    expect(new Set([ignoring.stats.pid, big.stats.pid, counted.stats.pid]).size).toBe(1);
    expect(counted.value.bytes).toBe(200_000);
  });

  it('retires a child after any failure', async () => {
    const before = await sandbox.run('echo', { params: { text: 'x' } });
    const err = await failure(sandbox.run('throwError', { params: { message: 'bad input' } }));
    expect(err.stats.pid).toBe(before.stats.pid);
    expect(err.stats.reusedChild).toBe(true);
    await waitUntil(() => !isAlive(err.stats.pid as number));
    const after = await sandbox.run('echo', { params: { text: 'y' } });
    expect(after.stats.pid).not.toBe(err.stats.pid);
    expect(after.stats.reusedChild).toBe(false);
  });

  it('retires a child after maxTasksPerChild tasks', async () => {
    const options = { maxTasksPerChild: 2, freshChild: true };
    const pids: (number | undefined)[] = [];
    for (const fresh of [true, false, false, false]) {
      pids.push((await sandbox.run('echo', { params: { text: 'n' } }, { ...options, freshChild: fresh })).stats.pid);
    }
    expect(pids[1]).toBe(pids[0]);
    expect(pids[2]).not.toBe(pids[0]);
    expect(pids[3]).toBe(pids[2]);
  });

  it('gives freshChild a child that has run nothing else', async () => {
    const used = await sandbox.run('echo', { params: { text: 'a' } });
    const fresh = await sandbox.run('echo', { params: { text: 'b' } }, { freshChild: true });
    expect(fresh.stats.pid).not.toBe(used.stats.pid);
    expect(fresh.stats.reusedChild).toBe(false);
  });

  it('ends an idle child after idleMs', async () => {
    const { stats } = await sandbox.run('echo', { params: { text: 'idle' } }, { idleMs: 200, freshChild: true });
    expect(isAlive(stats.pid as number)).toBe(true);
    await waitUntil(() => !isAlive(stats.pid as number));
  });

  it('retires a child that still holds much memory after its task', async () => {
    const big = await sandbox.run('holdMemory', { params: { mb: 300 } });
    const small = await sandbox.run('echo', { params: { text: 'small' } });
    expect(big.stats.maxRssBytes).toBeGreaterThan(300 * 1024 * 1024);
    expect(small.stats.pid).not.toBe(big.stats.pid);
    expect(small.stats.maxRssBytes).toBeLessThan(100 * 1024 * 1024);
  });
});

describe('runSandboxed: errors and cancellation', () => {
  it('reports a throwing task as task-error with its message', async () => {
    const err = await failure(sandbox.run('throwError', { params: { message: 'no good' } }));
    expect(err.reason).toBe('task-error');
    expect(err.message).toBe('TypeError: no good');
  });

  it('reports an uncaught asynchronous error of the task as task-error', async () => {
    const err = await failure(sandbox.run('throwLater', { params: { message: 'later' } }));
    expect(err.reason).toBe('task-error');
    expect(err.message).toBe('Error: later');
  });

  it('kills the child when the signal aborts, and the child is gone when the run settles', async () => {
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    let pid: number | undefined;
    const run = sandbox.run(
      'sleep',
      { params: { ms: 20_000 } },
      {
        signal: controller.signal,
        progressIntervalMs: 50,
        onProgress: (p) => {
          pid = p.pid;
          controller.abort(reason);
        },
      },
    );
    const err = await failure(run);
    expect(err.reason).toBe('cancelled');
    expect(err.cause).toBe(reason);
    expect(pid).toBeDefined();
    expect(isAlive(pid as number)).toBe(false);
  });

  it('does not start a child for an already aborted signal', async () => {
    const err = await failure(sandbox.run('echo', { params: { text: 'x' } }, { signal: AbortSignal.abort() }));
    expect(err.reason).toBe('cancelled');
    expect(err.stats.pid).toBeUndefined();
  });

  it('passes an error of the input source through unchanged and kills the child', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const source = new Readable({ read() {} });
    source.push(Buffer.alloc(1000));
    setTimeout(() => source.destroy(reset), 100);
    await expect(sandbox.run('countInput', { params: null, bytes: source })).rejects.toBe(reset);
  });

  it('does not count time spent waiting for input against timeoutMs', async () => {
    async function* slowDownload() {
      for (let i = 0; i < 4; i++) {
        await sleep(300);
        yield Buffer.alloc(1000);
      }
    }
    const { value, stats } = await sandbox.run('countInput', { params: null, bytes: Readable.from(slowDownload()) }, { timeoutMs: 700 });
    expect(value.bytes).toBe(4000);
    expect(stats.inputWaitMs).toBeGreaterThan(1_000);
  });

  it('stops pulling the input once the child is done with it', async () => {
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled += 1;
        this.push(Buffer.alloc(64 * 1024));
      },
    });
    const { value } = await sandbox.run('echo', { params: { text: 'ignores its input' }, bytes: endless } as never);
    expect((value as { text: string }).text).toBe('ignores its input');
    expect(endless.destroyed).toBe(true);
    expect(pulled).toBeLessThan(100);
  });
});
