// `changelogs replay --failed [--since 1h] [--registry npm] [--dry-run]`: a new run of every failed crawl,
// under its own workflow id, so the Temporal UI keeps each crawl's runs together.
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { findFailedCrawls, replayCrawls } from '../api/replay';
import { parseSince } from '../api/since';
import { loadConfig } from '../infra/config';
import { openDatabase } from '../infra/db';
import { connectClient } from '../workers/connect';
import { REGISTRIES, type Registry } from '../workflows/types';

const USAGE = `usage: changelogs replay --failed [--since <1h|2d|ISO time>] [--registry <${REGISTRIES.join('|')}>] [--dry-run]`;

export async function run(args: string[]): Promise<number> {
  let options;
  try {
    options = parseArgs({
      args,
      options: { failed: { type: 'boolean' }, since: { type: 'string' }, registry: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const registry = options.registry as Registry | undefined;
  if (!options.failed || (registry && !REGISTRIES.includes(registry))) {
    console.error(USAGE);
    return 2;
  }
  let since: Date | null;
  try {
    since = options.since ? parseSince(options.since) : null;
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }

  const config = loadConfig();
  const pool = await openDatabase(config.databaseUrl);
  try {
    const failed = await findFailedCrawls(pool, { registry: registry ?? null, since });
    const scope = `${registry ?? 'all registries'}${since ? `, failed since ${since.toISOString()}` : ''}`;
    console.log(`${failed.length} failed crawl${failed.length === 1 ? '' : 's'} (${scope})`);
    if (options['dry-run'] || failed.length === 0) {
      for (const crawl of failed) console.log(`  ${crawl.workflowId}`);
      return 0;
    }
    const temporal = await connectClient(config);
    const bar = progressBar('replaying', 'crawls');
    bar.start(failed.length, 0);
    try {
      const started = await replayCrawls(temporal, config.temporal.taskQueue, failed, { onProgress: ({ done }) => bar.update(done) });
      bar.stop();
      console.log(`started ${started} new run${started === 1 ? '' : 's'}${started < failed.length ? ` (${failed.length - started} already running)` : ''}`);
      return 0;
    } finally {
      bar.stop();
      await temporal.connection.close();
    }
  } finally {
    await pool.end();
  }
}

/** A progress bar on stderr (a plain line every few seconds when stderr is not a terminal); also used by `projections`. */
export function progressBar(label: string, unit: string): SingleBar {
  return new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 2_000,
    },
    Presets.shades_classic,
  );
}
