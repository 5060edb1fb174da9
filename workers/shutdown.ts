// How a worker stops when its process is asked to (SIGTERM from an orchestrator, Ctrl-C): it polls no more,
// finishes what it holds, and its process exits 0.
//
// What "finishes" means depends on the kind of task:
// - Workflow tasks, and the local activities that run inside them (the crawl's package and recording steps), are
//   waited for: the SDK does not cancel local activities on shutdown, so a crawl step in flight runs to its end
//   (bounded by its own limits: each request's timeout, the sandbox's) and its crawl usually finishes here.
// - Activities (the forge steps, discovery's) may run for `shutdownGraceSeconds`; then they are cancelled (they
//   abort their request), fail with the worker's shutdown, and Temporal runs them again elsewhere at once.
// - Whatever still runs a few seconds after that is abandoned: the worker stops with an error and the process exits
//   1. Another worker takes the abandoned workflow task over once it times out (10 s), as after a crash.
// Deployments give a worker longer than that before they kill it (docker-compose.yml and the Kubernetes manifests
// allow 60 s).
import type { WorkerOptions } from '@temporalio/worker';
import type { Config } from '../infra/config';

/** Time cancelled activities get to report their cancellation before the worker gives up waiting. */
const CANCELLATION_MARGIN_MS = 5_000;

export function shutdownOptions(config: Config): Pick<WorkerOptions, 'shutdownGraceTime' | 'shutdownForceTime'> {
  const graceMs = config.shutdownGraceSeconds * 1000;
  return { shutdownGraceTime: graceMs, shutdownForceTime: graceMs + CANCELLATION_MARGIN_MS };
}

/** How long a worker process may take to stop once asked: what a supervisor should wait before killing it. */
export function shutdownDeadlineMs(config: Config): number {
  return config.shutdownGraceSeconds * 1000 + CANCELLATION_MARGIN_MS;
}
