import type { WorkerOptions } from '@temporalio/worker';

/** A prebuilt workflow bundle when there is one (tests and images build it once), else the sources, bundled now. */
export function workflowSource(bundle: WorkerOptions['workflowBundle'] | string | null | undefined): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (typeof bundle === 'string') return { workflowBundle: { codePath: bundle } };
  if (bundle) return { workflowBundle: bundle };
  return { workflowsPath: require.resolve('../workflows') };
}
