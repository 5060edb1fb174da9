// Workflow histories recorded from real runs and committed, so that replaying them against the current
// workflow code catches a non-deterministic change before it reaches running workflows.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../infra/config';
import { findTemporalCli } from '../../infra/temporal/goTools';

export const HISTORIES_DIR = path.join(__dirname, '..', 'histories');

/**
 * Saves a run's history as test/histories/<name>.json (only when RECORD_HISTORIES is set), in the JSON form
 * `temporal workflow show -o json` writes and `historyFromJSON` reads.
 */
export function recordHistory(config: Config, name: string, workflowId: string, runId?: string): void {
  if (!process.env.RECORD_HISTORIES) return;
  const cli = findTemporalCli();
  if (!cli) throw new Error('recording histories needs the Temporal CLI');
  const json = execFileSync(
    cli.path,
    ['workflow', 'show', '--address', config.temporal.address!, '--namespace', config.temporal.namespace, '--workflow-id', workflowId, ...(runId ? ['--run-id', runId] : []), '--output', 'json'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), json);
}
