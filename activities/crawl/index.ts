// The crawl worker's activities: everything that touches untrusted upstream content, and the recording of
// results. The crawl workflow runs the package and recording steps as local activities (in the crawl worker,
// inside its workflow task), and the forge steps as activities on the forge's rate-limited task queue.
import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import type { Config } from '../../infra/config';
import { countedForgeRequest } from '../metrics';
import { crawlPackage } from './crawlPackage';
import { step } from './failures';
import { forgeFile, forgeListing, forgeReleases } from './forge';
import type { StepContext } from './sandboxed';

/** How often a running forge step tells Temporal its worker is alive (its heartbeat timeout is 20 s). */
const KEEP_ALIVE_MS = 5_000;

function stepContext(config: Config, pool: Pool, onWait?: () => void): StepContext {
  const context = Context.current();
  return { config, pool, signal: context.cancellationSignal, onWait, attempt: context.info.attempt };
}

/**
 * Runs a step that heartbeats for as long as it runs, whatever it waits for (a slow upstream, the sandbox, the
 * database): the heartbeat timeout then means "the worker died", never "the upstream was slow", while each
 * request and each sandbox has a timeout of its own.
 */
async function keptAlive<T>(work: (heartbeat: () => void) => Promise<T>): Promise<T> {
  const context = Context.current();
  const heartbeat = () => context.heartbeat();
  const timer = setInterval(heartbeat, KEEP_ALIVE_MS);
  try {
    heartbeat();
    return await step(() => work(heartbeat));
  } finally {
    clearInterval(timer);
  }
}

export function createPackageActivities(config: Config, pool: Pool) {
  return {
    /** The registry's metadata and the package archive, recorded when final (a local activity of the crawl). */
    async crawlPackage(input: Parameters<typeof crawlPackage>[1]) {
      return step(() => crawlPackage(stepContext(config, pool), input));
    },
  };
}

export function createForgeActivities(config: Config, pool: Pool) {
  return {
    async forgeFile(input: Parameters<typeof forgeFile>[1]) {
      return keptAlive((heartbeat) => countedForgeRequest('file', () => forgeFile(stepContext(config, pool, heartbeat), input)));
    },
    async forgeListing(input: Parameters<typeof forgeListing>[1]) {
      return keptAlive((heartbeat) => countedForgeRequest('listing', () => forgeListing(stepContext(config, pool, heartbeat), input)));
    },
    async forgeReleases(input: Parameters<typeof forgeReleases>[1]) {
      return keptAlive((heartbeat) => countedForgeRequest('releases', () => forgeReleases(stepContext(config, pool, heartbeat), input)));
    },
  };
}

export type PackageActivities = ReturnType<typeof createPackageActivities>;
export type ForgeActivities = ReturnType<typeof createForgeActivities>;
