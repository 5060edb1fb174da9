// Replays committed histories (test/histories, recorded with RECORD_HISTORIES=1 npm test) against today's
// workflow code: a change that would break running workflows fails here.
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { requireEnv } from './support/env';
import { HISTORIES_DIR } from './support/histories';

const files = fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

test('histories of the follower (with a continue-as-new), a poll and crawls are committed', () => {
  expect(files).toEqual(expect.arrayContaining(['npm-follow-continued.json', 'poll-rubygems.json', 'crawl-found.json', 'crawl-failed.json']));
});

test.each(files)('%s replays deterministically', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8')));
  await Worker.runReplayHistory({ workflowBundle: { codePath: requireEnv('CHANGELOGS_TEST_WORKFLOW_BUNDLE') } }, history, path.basename(file, '.json'));
});
