// The wire format between the runner and a sandbox child, shared by both sides. A child serves one task after
// another, so every message is a frame: a 4-byte big-endian length, then that many bytes.
//
// stdin (parent → child), per task: a request frame (the request as JSON; never empty), then the task's input as
//                                   data frames of at most MAX_DATA_FRAME_BYTES, then an empty frame for its end.
// fd 3  (child → parent), per task: one envelope frame (JSON), then, where the envelope announces bytes, one
//                                   frame of them. stdout and stderr carry no protocol, so whatever a library
//                                   prints cannot corrupt it.
import type { Readable } from 'node:stream';

/** One task the sandbox can run: a function of its JSON parameters and its input bytes. */
export type SandboxTask<P = never, R = unknown> = (params: P, input: Readable) => R | Promise<R>;

/** Task name → task, as one module (`export const tasks = {…}`) the child is built from. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds tasks of every parameter type
export type TaskRegistry = Record<string, SandboxTask<any>>;

export type ParamsOf<T> = T extends SandboxTask<infer P, unknown> ? P : never;
export type ResultOf<T> = T extends SandboxTask<never, infer R> ? Awaited<R> : never;

export interface SandboxRequest {
  task: string;
  params: unknown;
}

/** What the child measured about itself for one task. */
export interface ChildUsage {
  /** Peak RSS of the child while it ran the task (since the last reset of the peak, where Linux allows one). */
  maxRssBytes: number;
  /** CPU time the task took. */
  cpuMs: number;
  /** CPU time of the child since it started: the runner retires a child before its CPU rlimit comes near. */
  totalCpuMs: number;
  /** From reading the request to the result being ready. */
  taskMs: number;
  /** V8 heap in use once the task was done: a child that keeps much is not given another task. */
  heapUsedBytes: number;
  /** Resident memory once the task was done (Buffers not yet collected included), for the same reason. */
  rssBytes: number;
}

export type Envelope =
  /** `bytes`: the result is a WithBytes, whose bytes (this many) follow in a frame of their own when not empty. */
  | { ok: true; value: unknown; bytes?: number; usage: ChildUsage }
  | { ok: false; error: { name: string; message: string }; usage: ChildUsage };

/**
 * A task result with bytes beside its JSON value. The bytes cross the pipe as they are, in a frame after the
 * envelope, instead of being escaped into its JSON and parsed back; a caller gets a WithBytes either way, from a
 * sandbox or from calling the task in this process.
 */
export class WithBytes<T> {
  constructor(
    readonly value: T,
    readonly bytes: Buffer,
  ) {}
}

/** The child's file descriptor that carries the envelopes. */
export const RESULT_FD = 3;
export const HEADER_LENGTH_BYTES = 4;
/** Input is cut into frames this large, so neither side ever buffers more than a frame to read one. */
export const MAX_DATA_FRAME_BYTES = 64 * 1024;
/** The one file the child may read besides its own script: where Linux keeps its RSS and peak RSS. */
export const PROC_STATUS = '/proc/self/status';
/** Writing "5" here resets the peak RSS (VmHWM), so each task's peak is its own. */
export const PROC_CLEAR_REFS = '/proc/self/clear_refs';
/** A request is parameters, not data: a bound keeps a bad caller from making the child buffer without end. */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export function frameHeader(length: number): Buffer {
  const header = Buffer.alloc(HEADER_LENGTH_BYTES);
  header.writeUInt32BE(length);
  return header;
}

/** The empty frame that ends a task's input. */
export const END_OF_INPUT = frameHeader(0);

export function encodeRequest(request: SandboxRequest): Buffer {
  const json = Buffer.from(JSON.stringify(request));
  if (json.length > MAX_REQUEST_BYTES) {
    throw new RangeError(`sandbox request is ${json.length} bytes, over ${MAX_REQUEST_BYTES}`);
  }
  return Buffer.concat([frameHeader(json.length), json]);
}
