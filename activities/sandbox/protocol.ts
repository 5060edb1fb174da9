// The wire format between the runner and a sandbox child, shared by both sides.
//
// stdin  (parent → child): a 4-byte big-endian length, the request as JSON, then the task's input bytes to EOF.
// fd 3   (child → parent): one envelope as JSON, then the child exits. stdout and stderr carry no protocol, so
//                          whatever a library prints cannot corrupt it.
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

/** What the child measured about itself: the parent cannot see a child's peak RSS once it has exited. */
export interface ChildUsage {
  maxRssBytes: number;
  cpuMs: number;
  /** From reading the request to the result being ready. */
  taskMs: number;
}

export type Envelope =
  | { ok: true; value: unknown; usage: ChildUsage }
  | { ok: false; error: { name: string; message: string }; usage: ChildUsage };

/** The child's file descriptor that carries the envelope. */
export const RESULT_FD = 3;
export const HEADER_LENGTH_BYTES = 4;
/** The one file the child may read besides its own script: where Linux keeps its peak RSS. */
export const PROC_STATUS = '/proc/self/status';
/** A request is parameters, not data: a bound keeps a bad caller from making the child buffer without end. */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export function encodeRequest(request: SandboxRequest): Buffer {
  const json = Buffer.from(JSON.stringify(request));
  if (json.length > MAX_REQUEST_BYTES) {
    throw new RangeError(`sandbox request is ${json.length} bytes, over ${MAX_REQUEST_BYTES}`);
  }
  const length = Buffer.alloc(HEADER_LENGTH_BYTES);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json]);
}
