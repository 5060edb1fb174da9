// Query.upgradeReport: a lockfile in, the upgrade report out (upgrade/). Crawling on demand starts work, so it
// needs the mutations' token; without one the report says what is known and how to get the rest.
import { createGraphQLError } from 'graphql-yoga';
import { isLockfileFormat, LockfileError, type LockfileFormat, parseLockfile } from '../../upgrade/lockfiles';
import { buildUpgradeReport } from '../../upgrade/report';
import { mayStartWork } from '../auth';
import type { ApiContext } from '../context';
import { userError } from '../errors';
import { toEnum } from './registry';

/** Largest lockfile read (a large monorepo's package-lock.json is a few MB). */
export const MAX_LOCKFILE_BYTES = 16 * 1024 * 1024;

export const HINT_WITHOUT_TOKEN =
  'Packages never crawled were not crawled: ask with `Authorization: Bearer <API_TOKEN>` (or run `npx changelogs upgrade-report <lockfile>` where the stack runs) to crawl them and complete the report.';

const fromFormatEnum = (value: string): LockfileFormat => {
  const format = value.toLowerCase().replace(/_/g, '-');
  if (!isLockfileFormat(format)) throw userError('BAD_USER_INPUT', `unknown lockfile format ${value}`);
  return format;
};

export async function upgradeReportQuery(
  _: unknown,
  args: { lockfile: string; format?: string | null; fileName?: string | null; crawl?: boolean | null },
  ctx: ApiContext,
) {
  if (Buffer.byteLength(args.lockfile) > MAX_LOCKFILE_BYTES) throw userError('BAD_USER_INPUT', `a lockfile is at most ${MAX_LOCKFILE_BYTES / 1024 / 1024} MiB`);
  if (args.fileName && args.fileName.length > 255) throw userError('BAD_USER_INPUT', 'fileName is at most 255 characters');
  const crawl = args.crawl !== false && mayStartWork(ctx);
  let lockfile;
  try {
    lockfile = parseLockfile(args.lockfile, { format: args.format ? fromFormatEnum(args.format) : null, fileName: args.fileName ?? null });
  } catch (err) {
    if (!(err instanceof LockfileError)) throw err;
    throw createGraphQLError(err.message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 }, fileName: err.fileName, line: err.line } });
  }
  const report = await buildUpgradeReport(ctx, lockfile, {
    crawl,
    fileName: args.fileName ?? null,
    hintWithoutCrawl: args.crawl === false ? null : HINT_WITHOUT_TOKEN,
  });
  return {
    ...report,
    format: report.format.toUpperCase().replace(/-/g, '_'),
    registry: toEnum(report.registry),
    dependencies: report.dependencies.map((d) => ({
      ...d,
      registry: toEnum(d.registry),
      status: d.status.toUpperCase(),
      outcome: d.outcome ? toEnum(d.outcome) : null,
    })),
  };
}
