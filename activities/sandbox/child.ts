// The sandbox child's main loop: read one request from stdin, run the task on the rest of stdin, write one
// envelope to fd 3, exit. Runs only inside the child process (see bundle.ts for how it is built).
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import {
  HEADER_LENGTH_BYTES,
  MAX_REQUEST_BYTES,
  PROC_STATUS,
  RESULT_FD,
  type ChildUsage,
  type Envelope,
  type SandboxRequest,
  type TaskRegistry,
} from './protocol';

const MAX_MESSAGE_LENGTH = 2_000;

export function serve(tasks: TaskRegistry): void {
  const started = performance.now();
  let replied = false;
  const reply = (envelope: (usage: ChildUsage) => Envelope): void => {
    if (replied) return;
    replied = true;
    const out = new Socket({ fd: RESULT_FD, readable: false, writable: true });
    // Whatever happens to the pipe, there is nothing more to do: the parent judges by what it received.
    out.on('error', () => process.exit(2));
    out.end(JSON.stringify(envelope(usage(started))), () => process.exit(0));
  };
  const fail = (err: unknown): void => reply((u) => ({ ok: false, error: describe(err), usage: u }));
  // A task's stray async error is still that task's error, not a crash of the sandbox.
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);

  readRequest(process.stdin)
    .then(async ({ task, params }) => {
      const run = Object.hasOwn(tasks, task) ? tasks[task] : undefined;
      if (!run) throw new Error(`unknown sandbox task "${task}"`);
      const value: unknown = await run(params as never, process.stdin);
      reply((u) => ({ ok: true, value, usage: u }));
    })
    .catch(fail);
}

function usage(started: number): ChildUsage {
  const { maxRSS, userCPUTime, systemCPUTime } = process.resourceUsage();
  return {
    maxRssBytes: peakRssBytes() ?? maxRSS * 1024,
    cpuMs: Math.round((userCPUTime + systemCPUTime) / 1000),
    taskMs: Math.round(performance.now() - started),
  };
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

/** Reads the length-prefixed request, leaving the input bytes that follow it unread in `stdin`. */
function readRequest(stdin: Readable): Promise<SandboxRequest> {
  return new Promise((resolve, reject) => {
    let length: number | undefined;
    const onReadable = (): void => {
      if (length === undefined) {
        const prefix = stdin.read(HEADER_LENGTH_BYTES) as Buffer | null;
        if (!prefix) return;
        length = prefix.readUInt32BE(0);
        if (length > MAX_REQUEST_BYTES) return done(new Error(`sandbox request of ${length} bytes is too large`));
      }
      // read(0) would not return an empty buffer for an empty request, and JSON is never empty.
      const json = stdin.read(length) as Buffer | null;
      if (!json) return;
      try {
        done(undefined, JSON.parse(json.toString('utf8')) as SandboxRequest);
      } catch (err) {
        done(err);
      }
    };
    const onEnd = (): void => done(new Error('stdin ended before the sandbox request was complete'));
    const done = (err: unknown, request?: SandboxRequest): void => {
      stdin.off('readable', onReadable).off('end', onEnd).off('error', done);
      if (request) resolve(request);
      else reject(err instanceof Error ? err : new Error(String(err)));
    };
    stdin.on('readable', onReadable).on('end', onEnd).on('error', done);
  });
}
