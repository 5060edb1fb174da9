// Workflow histories recorded from real runs and committed, so that replaying them against the current
// workflow code catches a non-deterministic change before it reaches running workflows.
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR = path.join(__dirname, '..', 'histories');

/** Saves a run's history as test/histories/<name>.json (only when RECORD_HISTORIES is set). */
export async function recordHistory(client: Client, name: string, workflowId: string, runId?: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
}
