import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { PACKAGE, REGISTRY, VERSION } from '../workflows/searchAttributes';
import { crawlWorkflowId, type ReleaseRef } from '../workflows/types';

export interface StartedCrawl {
  workflowId: string;
  /** The new run; null when the release was already crawled (or is being crawled). */
  runId: string | null;
  started: boolean;
}

/**
 * Starts a crawl; a release already crawled (or being crawled) is not crawled again. A failed crawl is
 * started again under the same workflow id, so all its runs stay together in the Temporal UI.
 */
export async function startCrawl(
  temporal: Client,
  taskQueue: string,
  release: ReleaseRef,
  workflowId = crawlWorkflowId(release),
): Promise<StartedCrawl> {
  try {
    const handle = await temporal.workflow.start('crawlRelease', {
      workflowId,
      taskQueue,
      args: [release],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
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
