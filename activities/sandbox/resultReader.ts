// The parent's side of fd 3 for one task: the envelope, then the frame of bytes it may announce, within the output
// cap. Ends the run with the reply once it is whole, or with why there is none (the cap, garbage, the child's death).
import type { TaskListener } from './pool';
import { type Envelope, WithBytes } from './protocol';
import { SandboxError, type SandboxFailureReason, type SandboxStats } from './SandboxError';
import type { RunEnd, TaskRun } from './taskRun';

export interface ResultReader {
  /** What the child hands to the task that runs on it. */
  listener: TaskListener;
  /** Resolves once the child has exited (after a failure the run settles only then, so no child outlives it). */
  exited: Promise<void>;
}

export function readResult(run: TaskRun, stats: SandboxStats, maxOutputBytes: number, stderrTail: () => string): ResultReader {
  let envelope: Envelope | undefined;
  /** The frame of bytes a WithBytes result announced, once it has arrived. */
  let bytes: Buffer | undefined;
  let exited!: () => void;
  const exit = new Promise<void>((resolve) => (exited = resolve));

  const listener: TaskListener = {
    onFrameStart: (length) => {
      if (stats.outputBytes + length > maxOutputBytes) {
        run.fail('output-too-large', `the sandbox tried to send back ${stats.outputBytes + length} bytes, over the limit of ${maxOutputBytes}`);
        return false;
      }
      return true;
    },
    onBytes: (count) => {
      stats.outputBytes += count;
    },
    onFrame: (frame) => {
      if (run.isOver) return;
      if (envelope) {
        if (frame.length !== announced(envelope)) {
          run.fail('crashed', `the sandbox sent back ${frame.length} bytes of result, not the ${announced(envelope)} it announced`);
          return;
        }
        bytes = frame;
      } else {
        try {
          envelope = JSON.parse(frame.toString('utf8')) as Envelope;
        } catch {
          run.fail('crashed', 'the sandbox sent back a result that is not JSON');
          return;
        }
      }
      if (announced(envelope) === 0 || bytes) run.end({ kind: 'replied', envelope, bytes });
    },
    onExit: (code, signal) => {
      exited();
      // A child may reply, then exit, when a stray error leaves it unfit for another task; one that exits between
      // an envelope and the bytes it announced has replied only in part, which the reply's reading reports.
      if (envelope) run.end({ kind: 'replied', envelope, bytes });
      else run.fail(...deathCause(code, signal, stderrTail()));
    },
  };
  return { listener, exited: exit };
}

/** The run's value from a reply, or the error it stands for. Counts the child's own usage into `stats`. */
export function valueOfReply(reply: Extract<RunEnd, { kind: 'replied' }>, stats: SandboxStats): unknown {
  const { envelope } = reply;
  stats.maxRssBytes = Math.max(stats.maxRssBytes, envelope.usage.maxRssBytes);
  stats.cpuMs = envelope.usage.cpuMs;
  if (!envelope.ok) throw new SandboxError('task-error', `${envelope.error.name}: ${envelope.error.message}`, stats, { cause: taskError(envelope.error) });
  if (envelope.bytes === undefined) return envelope.value;
  const attached = envelope.bytes === 0 ? Buffer.alloc(0) : reply.bytes;
  if (!attached) throw new SandboxError('crashed', `the sandbox announced ${envelope.bytes} bytes of result and ended without them`, stats);
  return new WithBytes(envelope.value, attached);
}

/** The task's own error as the child described it: its name tells the host what kind of failure it is. */
function taskError({ name, message }: { name: string; message: string }): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}

/** The bytes an envelope says follow it in a frame of their own. */
function announced(envelope: Envelope): number {
  return envelope.ok ? (envelope.bytes ?? 0) : 0;
}

function deathCause(code: number | null, signal: NodeJS.Signals | null, stderr: string): [SandboxFailureReason, string] {
  // V8 prints this before aborting when the heap limit is reached.
  const oom = /FATAL ERROR: .*out of memory|Fatal process out of memory/i.exec(stderr);
  if (oom) return ['out-of-memory', `the sandbox ran out of memory: ${oom[0]}`];
  if (signal === 'SIGXCPU') return ['timeout', 'the sandbox used up its CPU time limit'];
  const how = signal ? `was killed by ${signal}` : `exited with code ${code} without a result`;
  const lastLine = stderr.trim().split('\n').pop();
  return ['crashed', `the sandbox ${how}${lastLine ? `: ${lastLine.slice(0, 500)}` : ''}`];
}
