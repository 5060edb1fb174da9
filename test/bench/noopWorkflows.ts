// Reference workflows for the crawl benchmark: the shapes a crawl can take, with steps that do nothing, so
// that what they cost is what Temporal costs.
import { continueAsNew, ParentClosePolicy, proxyActivities, proxyLocalActivities, startChild, workflowInfo } from '@temporalio/workflow';

interface NoopSteps {
  step(): Promise<void>;
  /** The last step: the benchmark counts finished workflows by it. */
  last(): Promise<void>;
}

const activities = proxyActivities<NoopSteps>({ startToCloseTimeout: '1 minute' });
const localActivities = proxyLocalActivities<NoopSteps>({ startToCloseTimeout: '1 minute' });

/** A crawl as it was: three activities (resolve, fetch, record), each an activity task of its own. */
export async function threeActivities(): Promise<void> {
  await activities.step();
  await activities.step();
  await activities.last();
}

/** A crawl as it is for an archive-found changelog: two local activities inside one workflow task. */
export async function twoLocalActivities(): Promise<void> {
  await localActivities.step();
  await localActivities.last();
}

/**
 * Fan-out through child workflows, the variant that keeps one parent's history short: the parent starts a batch
 * of children (abandoned, so their completions do not land in it), then continues as new with the rest.
 */
export async function fanOutChildren(total: number, batch: number, startedSoFar = 0): Promise<void> {
  const { workflowId } = workflowInfo();
  const count = Math.min(batch, total - startedSoFar);
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      startChild(twoLocalActivities, { workflowId: `${workflowId}-${startedSoFar + i}`, parentClosePolicy: ParentClosePolicy.ABANDON }),
    ),
  );
  if (startedSoFar + count < total) await continueAsNew<typeof fanOutChildren>(total, batch, startedSoFar + count);
}
