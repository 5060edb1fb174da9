import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import { PACKAGE, REGISTRY, VERSION } from '../workflows/searchAttributes';
import { crawlWorkflowId, type ReleaseRef } from '../workflows/types';

/** Starts a crawl; a release already crawled (or being crawled) is not crawled again. */
export async function startCrawl(temporal: Client, taskQueue: string, release: ReleaseRef): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = crawlWorkflowId(release);
  try {
    await temporal.workflow.start('crawlRelease', {
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
    return { workflowId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw err;
  }
}

