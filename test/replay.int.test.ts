// Replays committed histories (test/histories, recorded with RECORD_HISTORIES=1 npm test) against today's
// workflow code: a change that would break running workflows fails here.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { requireEnv } from './support/env';
import { HISTORIES_DIR } from './support/histories';

const files = fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));

test('histories of the follower (with a continue-as-new), a poll and crawls of every kind are committed', () => {
  expect(files).toEqual(
    expect.arrayContaining([
      'npm-follow-continued.json',
      'poll-rubygems.json',
      'crawl-found.json',
      'crawl-found-in-repository.json',
      'crawl-failed.json',
      'crawl-cancelled.json',
      'crawl-not-published.json',
    ]),
  );
});

test.each(files)('%s replays deterministically against the current workflow code', (file) => {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'support', 'replayHistories.ts'), requireEnv('CHANGELOGS_TEST_WORKFLOW_BUNDLE'), path.join(HISTORIES_DIR, file)],
    { encoding: 'utf8' },
  );
  expect(result.stderr).toBe('');
  expect(result.stdout).toContain(`replayed ${file}`);
  expect(result.status).toBe(0);
});
