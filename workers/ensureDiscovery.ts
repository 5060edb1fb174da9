// Creates, idempotently, what discovers releases: the npm follower and the RubyGems and PyPI schedules.
// Run by the orchestration worker at start-up, so each restart converges on exactly one of each.
import {
  type Client,
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type ScheduleOptions,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';
import type { Pool } from 'pg';
import type { PolledRegistry } from '../activities/discovery';
import { loadCursor } from '../activities/discovery/cursors';
import type { Config } from '../infra/config';
import { npmFollow, pollRegistry } from '../workflows';

export const NPM_FOLLOW_ID = 'npm-follow';

async function ensureSchedule(client: Client, options: ScheduleOptions): Promise<'created' | 'updated'> {
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    // Keep whatever state an operator gave it (paused, notes); bring the rest up to date.
    await client.schedule.getHandle(options.scheduleId).update((previous) => ({
      ...previous,
      spec: options.spec,
      action: { ...previous.action, ...options.action } as typeof previous.action,
      policies: { ...previous.policies, ...options.policies },
      state: previous.state,
    }));
    return 'updated';
  }
}

function pollSchedule(config: Config, registry: PolledRegistry): ScheduleOptions {
  const every = config.discovery.pollIntervalSeconds;
  return {
    scheduleId: `poll-${registry}`,
    spec: { intervals: [{ every: `${every}s` }], jitter: `${Math.max(1, Math.floor(every / 10))}s` },
    action: {
      type: 'startWorkflow',
      workflowType: pollRegistry,
      workflowId: `poll-${registry}`,
      taskQueue: config.temporal.taskQueue,
      args: [{ registry }] satisfies Parameters<typeof pollRegistry>,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '10 minutes', pauseOnFailure: false },
  };
}

export async function ensureDiscovery(client: Client, config: Config, pool: Pool, log: (line: string) => void): Promise<void> {
  const { upstreams } = config;
  for (const registry of ['rubygems', 'pypi'] as const) {
    const url = registry === 'rubygems' ? upstreams.rubygemsUrl : upstreams.pypiUrl;
    if (!url) {
      log(`${registry}: no URL configured, not polling`);
      continue;
    }
    const result = await ensureSchedule(client, pollSchedule(config, registry));
    log(`${registry}: schedule poll-${registry} ${result}, every ${config.discovery.pollIntervalSeconds}s`);
  }
  if (!upstreams.npmReplicateUrl) {
    log('npm: no replication feed configured (NPM_REPLICATE_URL), not following');
    return;
  }
  try {
    const state: Parameters<typeof npmFollow>[0] = {
      cursor: (await loadCursor<{ lastSeq: string }>(pool, NPM_FOLLOW_ID))?.lastSeq ?? null,
      followingSince: new Date().toISOString(),
      pageSize: config.discovery.followPageSize,
      idleSeconds: config.discovery.followIdleSeconds,
    };
    await client.workflow.start(npmFollow, { workflowId: NPM_FOLLOW_ID, taskQueue: config.temporal.taskQueue, args: [state] });
    log(`npm: follower ${NPM_FOLLOW_ID} started ${state.cursor ? `at ${state.cursor}` : 'at the feed\'s update_seq'}`);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    log(`npm: follower ${NPM_FOLLOW_ID} already running`);
  }
}
