import type { ApiContext } from '../context';
import { userError } from '../errors';
import { versionsBetween } from '../versions';
import { fromEnum, toEnum, validName } from './registry';

export const PACKAGE_COLUMNS =
  'registry, name, latest_version, summary, changelog_version, changelog_file, changelog_source_url, changelog_format';

export interface PackageRow {
  registry: string;
  name: string;
  latest_version: string | null;
  summary: string | null;
  changelog_version: string | null;
  changelog_file: string | null;
  changelog_source_url: string | null;
  changelog_format: string | null;
}

export interface EntryRow {
  version: string | null;
  date: string | null;
  title: string;
  body: string;
  html: string;
  sections: { kind: string; title: string }[];
  unreleased: boolean;
  yanked: boolean;
  prerelease: boolean;
}

export async function packageQuery(_: unknown, args: { registry: string; name: string }, ctx: ApiContext) {
  const row = await ctx.loaders.packages.load({ registry: fromEnum(args.registry), name: validName(args.name) });
  return row ? toPackage(row) : null;
}

/** The package a crawl belongs to: one statement for all the crawls of a page. */
export async function crawlPackage(parent: { registry: string; name: string }, _: unknown, ctx: ApiContext) {
  return packageQuery(undefined, parent, ctx);
}

export function toPackage(row: PackageRow) {
  return {
    registry: toEnum(row.registry),
    name: row.name,
    latestVersion: row.latest_version,
    summary: row.summary,
    changelog: row.changelog_file
      ? {
          fileName: row.changelog_file,
          sourceUrl: row.changelog_source_url,
          format: row.changelog_format ?? 'markdown',
          version: row.changelog_version,
          registry: row.registry,
          name: row.name,
        }
      : null,
  };
}

/** Entries load only when asked for: a package query without them stays one row. */
export async function changelogEntries(parent: { registry: string; name: string }, _: unknown, ctx: ApiContext) {
  const rows = await ctx.loaders.entries.load({ registry: parent.registry, name: parent.name });
  return rows.map((e) => ({ ...e, version: e.version ?? 'Unreleased' }));
}

const MAX_VERSION_LENGTH = 64;

export async function packageChanges(parent: { registry: string; name: string }, args: { from?: string | null; to?: string | null }, ctx: ApiContext) {
  for (const bound of [args.from, args.to]) {
    if (bound && bound.length > MAX_VERSION_LENGTH) throw userError('BAD_USER_INPUT', `versions are at most ${MAX_VERSION_LENGTH} characters`);
  }
  const registry = fromEnum(parent.registry);
  const rows = await ctx.loaders.entries.load({ registry, name: parent.name });
  const result = versionsBetween(registry, rows, args.from ?? null, args.to ?? null);
  if ('invalid' in result) throw userError('BAD_USER_INPUT', `"${result.invalid}" is not a ${registry} version`);
  return result.items;
}
