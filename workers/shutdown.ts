// How a worker stops when its process is asked to (SIGTERM from an orchestrator, Ctrl-C): it polls no more,
// finishes what it holds, and its process exits 0.
//
// What "finishes" means depends on the kind of task:
// - Workflow tasks, and the local activities that run inside them (the crawl's package and recording steps), are
//   waited for: the SDK does not cancel local activities on shutdown, so a crawl step in flight runs to its end
//   (bounded by its own limits: each request's timeout, the sandbox's) and its crawl usually finishes here.
// - Activities (the forge steps, discovery's) may run for `workerShutdownGraceMs`; then they are cancelled (they
//   abort their request), fail with the worker's shutdown, and Temporal runs them again elsewhere at once.
// - Whatever still runs a few seconds after that is abandoned: the process exits 1 (`watchShutdown`). Another
//   worker takes the abandoned workflow task over once it times out (10 s), as after a crash.
// Deployments give a worker longer than that before they kill it (docker-compose.yml and the Kubernetes manifests
// allow 60 s). A second signal ends the process at once.
import type { WorkerOptions } from '@temporalio/worker';
import type { Config } from '../infra/config';

/** Time cancelled activities get to report their cancellation before the process gives up waiting. */
const CANCELLATION_MARGIN_MS = 5_000;

/** The signals on which the SDK's runtime stops every worker of the process (its default shutdown signals). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export function shutdownOptions(config: Config): Pick<WorkerOptions, 'shutdownGraceTime'> {
  return { shutdownGraceTime: config.workerShutdownGraceMs };
}

/** How long a worker process may take to stop once asked: what a supervisor should wait before killing it. */
export function shutdownDeadlineMs(config: Config): number {
  return config.workerShutdownGraceMs + CANCELLATION_MARGIN_MS;
}

export interface ShutdownReport {
  /** The workers have been asked to stop: they take no new tasks from now on. */
  stopping(signal: NodeJS.Signals): void;
  /** `shutdownDeadlineMs` has passed since and the process is still running. */
  overdue(): void;
}

/**
 * Reports the first stop signal, and the deadline passing after it. The SDK's own deadline (`shutdownForceTime`)
 * is no use here: once it expires, a worker still waits for the local activities it holds, and its `run()` never
 * returns; `overdue` has to end the process.
 */
export function watchShutdown(config: Config, report: ShutdownReport): void {
  const first = (signal: NodeJS.Signals): void => {
    for (const name of STOP_SIGNALS) process.off(name, first);
    // The SDK's listener asks the workers to stop in a microtask: by the next turn, they have been asked.
    setImmediate(() => report.stopping(signal));
    setTimeout(() => report.overdue(), shutdownDeadlineMs(config)).unref();
  };
  for (const name of STOP_SIGNALS) process.on(name, first);
}
