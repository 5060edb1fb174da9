// Reference workflows for the crawl benchmark: the shapes a crawl can take, with steps that do nothing, so
// that what they cost is what Temporal costs.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

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
