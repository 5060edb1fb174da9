import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
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
    expect(err.stats.outputBytes).toBeGreaterThan(1_000_000);
    expect(err.stats.outputBytes).toBeLessThan(5_000_000);
  });

  it('reports a crash by signal as crashed', async () => {
    const err = await failure(sandbox.run('exitAbruptly', { params: undefined as never }));
    expect(err.reason).toBe('crashed');
    expect(err.message).toMatch(/SIGSEGV/);
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
