// The GraphQL `Crawl` object, built in one place for a crawl just started and for one read from history.
import type { ReleaseRef } from '../../workflows/types';
import { toEnum } from './registry';

export interface CrawlRun extends ReleaseRef {
  workflowId: string;
  /** Null when a mutation found the crawl already started. */
  runId: string | null;
  /** True when this request started the run. */
  started: boolean;
  /** Null while the run is in progress. */
  outcome?: string | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  error?: string | null;
}

export function toCrawlNode(run: CrawlRun) {
  const { startedAt = null, finishedAt = null } = run;
  return {
    workflowId: run.workflowId,
    runId: run.runId,
    registry: toEnum(run.registry),
    name: run.name,
    version: run.version,
    outcome: run.outcome ? toEnum(run.outcome) : null,
    startedAt: startedAt?.toISOString() ?? null,
    finishedAt: finishedAt?.toISOString() ?? null,
    duration: startedAt && finishedAt ? finishedAt.getTime() - startedAt.getTime() : null,
    error: run.error ?? null,
    started: run.started,
  };
}
