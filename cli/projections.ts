// `changelogs projections rebuild`: replays the whole event log into fresh read models and swaps them in.
import type { Pool } from 'pg';
import { rebuildProjections } from '../eventStore/rebuildProjections';
import { loadConfig } from '../infra/config';
import { openDatabase } from '../infra/db';
import { progressBar } from './replay';

export async function run(args: string[]): Promise<number> {
  if (args[0] !== 'rebuild' || args.length > 1) {
    console.error('usage: changelogs projections rebuild');
    return 2;
  }
  const config = loadConfig();
  const pool = await openDatabase(config.databaseUrl);
  try {
    await rebuildWithProgress(pool);
    return 0;
  } finally {
    await pool.end();
  }
}

/** Rebuilds the projections, showing the replay's progress, then each finishing step; returns the events replayed. */
export async function rebuildWithProgress(pool: Pool, log: (line: string) => void = console.log): Promise<number> {
  const bar = progressBar('replaying the log', 'events');
  const started = Date.now();
  try {
    let swapping = false;
    let step: string | undefined;
    const { replayed } = await rebuildProjections(pool, {
      onProgress: ({ phase, replayed, total, step: next }) => {
        if (phase === 'replay' && step === undefined) {
          if (!bar.getTotal()) bar.start(Math.max(total, replayed), 0);
          bar.setTotal(Math.max(total, replayed));
          bar.update(replayed);
        } else if (phase === 'finish' && next !== step) {
          if (step === undefined) {
            bar.stop();
            log(`replayed ${replayed} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          }
          step = next;
          log(`${next}…`);
        } else if (phase === 'swap' && !swapping) {
          swapping = true;
          bar.stop();
          log('swapping the rebuilt tables in (appends wait until this commits)…');
        }
      },
    });
    bar.stop();
    log(`rebuilt the projections from ${replayed} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return replayed;
  } finally {
    bar.stop();
  }
}
