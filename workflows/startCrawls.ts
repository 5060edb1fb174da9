import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { crawlRelease } from './crawlRelease';
import { PACKAGE, REGISTRY, VERSION } from './searchAttributes';
import { crawlWorkflowId, type ReleaseRef } from './types';

/** The server fails a workflow task that leaves more than 2,000 children pending; stay far below. */
const CHILDREN_PER_BATCH = 200;

/**
 * Starts one crawl per release, each a child that outlives its parent. A release whose crawl already ran
 * (or is running) is skipped: that is how a release seen twice is crawled once. Returns how many started.
 */
export async function startCrawls(releases: ReleaseRef[]): Promise<number> {
  let started = 0;
  for (let i = 0; i < releases.length; i += CHILDREN_PER_BATCH) {
    const batch = releases.slice(i, i + CHILDREN_PER_BATCH);
    const results = await Promise.allSettled(
      batch.map((release) =>
        startChild(crawlRelease, {
          workflowId: crawlWorkflowId(release),
          args: [release],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
          typedSearchAttributes: [
            { key: REGISTRY, value: release.registry },
            { key: PACKAGE, value: release.name },
            { key: VERSION, value: release.version },
          ],
        }),
      ),
    );
    for (const result of results) {
      if (result.status === 'fulfilled') started += 1;
      else if (!(result.reason instanceof WorkflowExecutionAlreadyStartedError)) throw result.reason;
    }
  }
  return started;
}
