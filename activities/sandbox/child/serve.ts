// The sandbox child's main loop: read a request from stdin, run the task on the input frames that follow, write
// one envelope frame to fd 3, and wait for the next request. Runs only inside the child process (see ../bundle.ts
// for how it is built). The parent decides when a child has served enough; the child exits when stdin ends.
import { readFileSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import {
  frameHeader,
  HEADER_LENGTH_BYTES,
  MAX_REQUEST_BYTES,
  PROC_CLEAR_REFS,
  PROC_STATUS,
  RESULT_FD,
  type ChildUsage,
  type Envelope,
  type SandboxRequest,
  type TaskRegistry,
  WithBytes,
} from '../protocol';

const MAX_MESSAGE_LENGTH = 2_000;

/** Where the reader is in the stream of frames on stdin. */
type State =
  | { kind: 'request' }
  /** Frames belong to the running task's input; `wanted` while its Readable asks for more. */
  | { kind: 'input'; input: Readable; wanted: boolean }
  /** The input has ended; the task is still running. */
  | { kind: 'running' }
  /** The task is done without having read all of its input: the rest is dropped. */
  | { kind: 'discard' };

export function serve(tasks: TaskRegistry): void {
  const out = new Socket({ fd: RESULT_FD, readable: false, writable: true });
  // Whatever happens to the pipe, there is nothing more to do: the parent judges by what it received.
  out.on('error', () => process.exit(2));

  const stdin = process.stdin;
  let state: State = { kind: 'request' };
  /** The length read from a frame header whose body has not fully arrived yet. */
  let pending: number | undefined;
  /** Replies to the task running now, with the bytes of a WithBytes result; undefined between tasks. */
  let current: ((envelope: (usage: ChildUsage) => Envelope, bytes?: Buffer) => void) | undefined;

  const fail = (err: unknown): void => {
    if (!current) process.exit(1);
    // A stray error leaves the child in a state no next task should inherit: reply, then exit.
    current((u) => ({ ok: false, error: describe(err), usage: u }));
    current = undefined;
    out.end(() => process.exit(0));
  };
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);

  /** The next frame's length and body, or undefined until it has fully arrived. */
  const nextFrame = (): Buffer | undefined => {
    if (pending === undefined) {
      const header = stdin.read(HEADER_LENGTH_BYTES) as Buffer | null;
      if (!header) return undefined;
      pending = header.readUInt32BE(0);
      if (state.kind === 'request' && pending > MAX_REQUEST_BYTES) throw new Error(`sandbox request of ${pending} bytes is too large`);
    }
    if (pending === 0) {
      pending = undefined;
      return Buffer.alloc(0);
    }
    const body = stdin.read(pending) as Buffer | null;
    if (!body) return undefined;
    pending = undefined;
    return body;
  };

  const start = (request: SandboxRequest): void => {
    const input = new Readable({
      read() {
        if (state.kind === 'input' && state.input === input) {
          state.wanted = true;
          pump();
        }
      },
    });
    state = { kind: 'input', input, wanted: false };
    resetPeakRss();
    const before = process.cpuUsage();
    const started = performance.now();
    let replied = false;
    current = (envelope, bytes) => {
      if (replied) return;
      replied = true;
      out.write(frame(envelope(usage(started, before))));
      if (bytes?.length) {
        out.write(frameHeader(bytes.length));
        out.write(bytes);
      }
    };
    const run = Object.hasOwn(tasks, request.task) ? tasks[request.task] : undefined;
    Promise.resolve()
      .then(() => {
        if (!run) throw new Error(`unknown sandbox task "${request.task}"`);
        return run(request.params as never, input);
      })
      .then(
        (value: unknown) =>
          value instanceof WithBytes
            ? current?.((u) => ({ ok: true, value: value.value, bytes: value.bytes.length, usage: u }), value.bytes)
            : current?.((u) => ({ ok: true, value, usage: u })),
        (err: unknown) => current?.((u) => ({ ok: false, error: describe(err), usage: u })),
      )
      .finally(() => {
        current = undefined;
        input.destroy();
        if (state.kind === 'input') state = { kind: 'discard' };
        else if (state.kind === 'running') state = { kind: 'request' };
        pump();
      });
  };

  let pumping = false;
  const pump = (): void => {
    // A push may call back into read(): the loop already running picks that up.
    if (pumping) return;
    pumping = true;
    try {
      for (;;) {
        if (state.kind === 'running' || (state.kind === 'input' && !state.wanted)) return;
        const body = nextFrame();
        if (!body) return;
        switch (state.kind) {
          case 'request':
            start(JSON.parse(body.toString('utf8')) as SandboxRequest);
            break;
          case 'input':
            if (body.length === 0) {
              state.input.push(null);
              state = { kind: 'running' };
            } else if (!state.input.push(body)) {
              state.wanted = false;
            }
            break;
          case 'discard':
            if (body.length === 0) state = { kind: 'request' };
            break;
        }
      }
    } catch (err) {
      // A frame we cannot read means the stream is out of step: nothing after it can be trusted.
      if (current) fail(err);
      else process.exit(1);
    } finally {
      pumping = false;
    }
  };

  stdin.on('readable', pump);
  stdin.on('end', () => {
    if (state.kind === 'input') state.input.destroy(new Error('the sandbox input ended in the middle of a frame'));
    // Between tasks, the end of stdin is the parent retiring this child.
    if (!current) out.end(() => process.exit(0));
  });
}

function frame(envelope: Envelope): Buffer {
  const json = Buffer.from(JSON.stringify(envelope));
  return Buffer.concat([frameHeader(json.length), json]);
}

function usage(started: number, before: NodeJS.CpuUsage): ChildUsage {
  const total = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    maxRssBytes: peakRssBytes() ?? process.resourceUsage().maxRSS * 1024,
    cpuMs: Math.round((total.user - before.user + total.system - before.system) / 1000),
    totalCpuMs: Math.round((total.user + total.system) / 1000),
    taskMs: Math.round(performance.now() - started),
    heapUsedBytes: memory.heapUsed,
    rssBytes: memory.rss,
  };
}

/** Makes VmHWM this task's own peak. Where Linux (or the permission model) does not allow it, peaks accumulate. */
function resetPeakRss(): void {
  try {
    writeFileSync(PROC_CLEAR_REFS, '5');
  } catch {
    // The peak stays the child's lifetime peak: an upper bound.
  }
}

/**
 * The peak RSS of this program. `resourceUsage().maxRSS` will not do on Linux: it survives exec, so it includes the
 * parent's memory that the fork briefly shared.
 */
function peakRssBytes(): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(PROC_STATUS, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Bounded: a message may quote the hostile input that caused it. */
function describe(err: unknown): { name: string; message: string } {
  const { name, message } = err instanceof Error ? err : { name: 'Error', message: String(err) };
  return { name: String(name).slice(0, 100), message: String(message).slice(0, MAX_MESSAGE_LENGTH) };
}
