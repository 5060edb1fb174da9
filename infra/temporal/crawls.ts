// Starting crawl workflows: one workflow per release, id `crawl:<registry>:<name>@<version>`, on the crawl task
// queue, with the search attributes the Temporal UI filters by. Used by discovery, the API and the CLI.
import pMap from 'p-map';
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { crawlRelease } from '../../workflows/crawlRelease';
import { PACKAGE, REGISTRY, VERSION } from '../../workflows/searchAttributes';
import { crawlTaskQueue, crawlWorkflowId, type ReleaseRef } from '../../workflows/types';

/**
 * `discovered`: a release a feed announced is crawled once; seeing it again (a page read twice) starts nothing,
 * and a failed crawl waits to be replayed on purpose. `requested`: someone asked for it (the crawl mutation, a
 * replay): a crawl that failed or was cancelled runs again, as a new run under the same workflow id, so the
 * Temporal UI shows its runs together; one that completed is not crawled again.
 */
export type StartPolicy = 'discovered' | 'requested';

const REUSE: Record<StartPolicy, WorkflowIdReusePolicy> = {
  discovered: WorkflowIdReusePolicy.REJECT_DUPLICATE,
  requested: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
};

export interface StartedCrawl {
  workflowId: string;
  /** The new run; null when the release was already crawled (or is being crawled). */
  runId: string | null;
  started: boolean;
}

/** `taskQueue`: the orchestration task queue (TASK_QUEUE); crawls run on its crawl queue. */
export async function startCrawl(temporal: Client, taskQueue: string, release: ReleaseRef, policy: StartPolicy): Promise<StartedCrawl> {
  const workflowId = crawlWorkflowId(release);
  try {
    const handle = await temporal.workflow.start(crawlRelease, {
      workflowId,
      taskQueue: crawlTaskQueue(taskQueue),
      args: [release],
      workflowIdReusePolicy: REUSE[policy],
      typedSearchAttributes: [
        { key: REGISTRY, value: release.registry },
        { key: PACKAGE, value: release.name },
        { key: VERSION, value: release.version },
      ],
    });
    return { workflowId, runId: handle.firstExecutionRunId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, runId: null, started: false };
    throw err;
  }
}

export interface StartProgress {
  done: number;
  started: number;
  total: number;
}

/** Starts crawls a few at a time (each start is one request to Temporal); returns how many started. */
export async function startCrawls(
  temporal: Client,
  taskQueue: string,
  releases: readonly ReleaseRef[],
  policy: StartPolicy,
  options: { concurrency?: number; onProgress?: (progress: StartProgress) => void } = {},
): Promise<number> {
  const { concurrency = 32, onProgress } = options;
  let done = 0;
  let started = 0;
  await pMap(
    releases,
    async (release) => {
      if ((await startCrawl(temporal, taskQueue, release, policy)).started) started += 1;
      done += 1;
      onProgress?.({ done, started, total: releases.length });
    },
    { concurrency },
  );
  return started;
}
