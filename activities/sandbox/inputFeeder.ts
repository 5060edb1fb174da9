// The parent's side of the child's stdin for one task: the request, then the input as data frames, then the
// end-of-input frame. Keeps count of the time spent waiting on the input source (which the time limit does not
// count), stops pulling the source and destroys it once the run has ended, and ends the run if the source fails.
import type { Readable, Writable } from 'node:stream';
import { END_OF_INPUT, frameHeader, MAX_DATA_FRAME_BYTES } from './protocol';
import type { SandboxStats } from './SandboxError';
import type { TaskRun } from './taskRun';

/** Time spent waiting for the input source to produce its next chunk. */
export class InputWait {
  private since: number | undefined;
  private doneMs = 0;

  start(now: number): void {
    this.since = now;
  }

  stop(now: number): void {
    if (this.since === undefined) return;
    this.doneMs += now - this.since;
    this.since = undefined;
  }

  /** All the waiting until `now`, a wait still going on included. */
  totalMs(now: number): number {
    return this.doneMs + (this.since === undefined ? 0 : now - this.since);
  }
}

/**
 * Feeds the task's input; resolves true once the input has been closed off with the end-of-input frame, so the
 * child is in step for another task, and false when it could not be (the child died, or the source failed).
 */
export async function feedInput(run: TaskRun, stdin: Writable, request: Buffer, bytes: Readable | Uint8Array | undefined, stats: SandboxStats, wait: InputWait): Promise<boolean> {
  const source = bytes && !(bytes instanceof Uint8Array) ? bytes : undefined;
  if (source) run.onEnd(() => source.destroy());
  try {
    await feed(run, stdin, request, bytes, stats, wait);
    return true;
  } catch (error) {
    // A closed input means the child is gone or going: its exit says why, not this write.
    if (!(error instanceof InputClosed)) run.end({ kind: 'caller-failed', error });
    return false;
  }
}

async function feed(run: TaskRun, stdin: Writable, request: Buffer, bytes: Readable | Uint8Array | undefined, stats: SandboxStats, wait: InputWait): Promise<void> {
  await write(stdin, request);
  const send = async (chunk: Uint8Array): Promise<void> => {
    for (let at = 0; at < chunk.length && !run.isOver; at += MAX_DATA_FRAME_BYTES) {
      const part = chunk.subarray(at, at + MAX_DATA_FRAME_BYTES);
      stats.inputBytes += part.length;
      // The header is 4 bytes: only the body's write needs to wait for the pipe.
      if (!stdin.destroyed) stdin.write(frameHeader(part.length));
      await write(stdin, part);
    }
  };
  if (bytes instanceof Uint8Array) {
    await send(bytes);
  } else if (bytes) {
    const chunks = bytes[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    for (;;) {
      wait.start(performance.now());
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        // Destroying the source once the run is over ends its iteration with a premature-close error.
        if (run.isOver) break;
        throw err;
      } finally {
        wait.stop(performance.now());
      }
      if (next.done || stdin.destroyed || run.isOver) break;
      await send(next.value);
    }
  }
  await write(stdin, END_OF_INPUT);
  if (stdin.destroyed) throw new InputClosed();
}

/** The child's stdin closed before all the input was written: the child has died, or is about to. */
class InputClosed extends Error {
  constructor() {
    super('the sandbox closed its input');
  }
}

/** Resolves once `chunk` is accepted, or once the stream can accept nothing more. */
function write(stream: Writable, chunk: Uint8Array): Promise<void> {
  if (stream.destroyed || stream.write(chunk)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    stream.on('drain', done).on('close', done).on('error', done);
  });
}
