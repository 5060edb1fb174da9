// Replays each history file given against a workflow bundle; exits non-zero on the first that fails.
//   npx tsx test/support/replayHistories.ts BUNDLE HISTORY.json...
// Runs as its own process: the SDK's history JSON decoding does not survive jest's module registry.
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';

async function main(): Promise<void> {
  const [bundle, ...files] = process.argv.slice(2);
  if (!bundle || files.length === 0) throw new Error('usage: replayHistories.ts BUNDLE HISTORY.json...');
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  for (const file of files) {
    const history = historyFromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
    await Worker.runReplayHistory({ workflowBundle: { codePath: bundle } }, history, path.basename(file, '.json'));
    console.log(`replayed ${path.basename(file)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
