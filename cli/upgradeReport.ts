// `changelogs upgrade-report <lockfile> [--markdown] [--wait]`: what changed in every dependency of a lockfile
// since its locked version. Like `crawl` and `replay`, it works on the stack's Postgres and Temporal directly
// (DATABASE_URL, TEMPORAL_ADDRESS), so it needs no API token: whoever can run it there may start crawls anyway.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import pMap from 'p-map';
import { loadConfig } from '../infra/config';
import { openDatabase } from '../infra/db';
import { isLockfileFormat, LOCKFILE_FORMATS, LockfileError, parseLockfile } from '../upgrade/lockfiles';
import { renderMarkdown, renderText } from '../upgrade/render';
import { buildUpgradeReport, type UpgradeReport } from '../upgrade/report';
import { connectClient } from '../workers/connect';

const USAGE = `usage: changelogs upgrade-report <lockfile|-> [--markdown] [--wait] [--timeout 10m] [--no-crawl] [--format <${LOCKFILE_FORMATS.join('|')}>]
  --markdown   print Markdown (a pull-request comment, a CI job summary) instead of text
  --wait       wait for the crawls the report started, then print the complete report
  --timeout    how long --wait waits (default 10m); what is still crawling then is reported as crawling
  --no-crawl   report what is known; crawl nothing
  --format     the lockfile's format, when neither its name nor its content says`;

export async function run(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        markdown: { type: 'boolean', default: false },
        wait: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '10m' },
        'no-crawl': { type: 'boolean', default: false },
        format: { type: 'string' },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values: options, positionals } = parsed;
  const [file] = positionals;
  if (!file || positionals.length > 1 || (options.format && !isLockfileFormat(options.format))) {
    console.error(USAGE);
    return 2;
  }
  const timeout = /^(\d{1,5})(s|m|h)$/.exec(options.timeout);
  if (!timeout) {
    console.error(`--timeout is a duration such as 90s, 10m or 1h, got "${options.timeout}"`);
    return 2;
  }
  const timeoutMs = Number(timeout[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[timeout[2] as 's' | 'm' | 'h'];

  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    console.error(`cannot read ${file}: ${(err as Error).message}`);
    return 1;
  }
  const fileName = file === '-' ? null : file;
  let lockfile;
  try {
    lockfile = parseLockfile(text, { format: isLockfileFormat(options.format ?? '') ? (options.format as never) : null, fileName });
  } catch (err) {
    if (err instanceof LockfileError) {
      console.error(err.message);
      return 1;
    }
    throw err;
  }

  const config = loadConfig();
  const crawl = !options['no-crawl'];
  const pool = await openDatabase(config.databaseUrl);
  let temporal: Client | null = null;
  try {
    if (crawl) temporal = await connectClient(config);
    const deps = { pool, config, temporal, taskQueue: config.temporal.taskQueue };
    const shownName = fileName?.split(/[\\/]/).pop() ?? null;
    let report = await buildUpgradeReport(deps, lockfile, { crawl, fileName: shownName });
    if (report.crawlsStarted) console.error(`started ${report.crawlsStarted} crawl${report.crawlsStarted === 1 ? '' : 's'}`);
    if (options.wait && !report.complete && temporal) {
      await waitForCrawls(temporal, report, timeoutMs);
      report = await buildUpgradeReport(deps, lockfile, { crawl: false, fileName: shownName });
    }
    process.stdout.write(options.markdown ? renderMarkdown(report) : renderText(report));
    return 0;
  } finally {
    await temporal?.connection.close();
    await pool.end();
  }
}

/** Waits for the crawls the report is waiting for (each workflow's result), up to `timeoutMs`. */
async function waitForCrawls(temporal: Client, report: UpgradeReport, timeoutMs: number): Promise<void> {
  const workflowIds = [...new Set(report.dependencies.flatMap((d) => (d.status === 'crawling' && d.workflowId ? [d.workflowId] : [])))];
  let done = 0;
  const progress = () => process.stderr.isTTY && process.stderr.write(`\rwaiting for crawls: ${done}/${workflowIds.length}`);
  progress();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  const all = pMap(
    workflowIds,
    async (workflowId) => {
      // A failed or cancelled crawl is an outcome too: the report says so.
      await temporal.workflow.getHandle(workflowId).result().catch(() => undefined);
      done += 1;
      progress();
    },
    { concurrency: 50 },
  );
  const result = await Promise.race([all.then(() => 'done' as const), timedOut]);
  clearTimeout(timer);
  if (process.stderr.isTTY) process.stderr.write('\n');
  if (result === 'timeout') console.error(`${workflowIds.length - done} crawl(s) still running after ${Math.round(timeoutMs / 1000)} s`);
}
