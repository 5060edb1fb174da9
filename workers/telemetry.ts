// What a worker process reports about itself: the Temporal SDK's log, and its metrics on a Prometheus endpoint,
// the SDK's own (task slots, pollers, latencies, workflow and activity outcomes) with the crawl counters beside
// them. The runtime is installed once per process, before any connection or worker is made.
import { DefaultLogger, Runtime, type RuntimeOptions } from '@temporalio/worker';
import { useMetricMeter } from '../activities/metrics';
import type { Config } from '../infra/config';

/** Where a worker's metrics are served, or null when METRICS_PORT is 0. */
export function metricsAddress(config: Config): string | null {
  return config.metricsPort === 0 ? null : `0.0.0.0:${config.metricsPort}`;
}

export function runtimeOptions(config: Config): RuntimeOptions {
  const bindAddress = metricsAddress(config);
  return {
    logger: new DefaultLogger(config.logLevel),
    ...(bindAddress && { telemetryOptions: { metrics: { prometheus: { bindAddress } } } }),
  };
}

/**
 * Installs the process's Temporal runtime. It also stops every worker of the process gracefully on SIGINT and
 * SIGTERM (its default shutdown signals; see workers/shutdown.ts for what stopping waits for).
 */
export function installRuntime(config: Config): Runtime {
  let runtime: Runtime;
  try {
    runtime = Runtime.install(runtimeOptions(config));
  } catch (err) {
    if (!/prometheus/i.test((err as Error).message)) throw err;
    // Two workers on one machine need a port each: say which setting to change.
    throw new Error(`METRICS_PORT ${config.metricsPort}: ${(err as Error).message} (set METRICS_PORT to a free port, or 0 for no metrics)`, { cause: err });
  }
  useMetricMeter(runtime.metricMeter);
  return runtime;
}
