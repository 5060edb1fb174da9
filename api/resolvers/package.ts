import type { ApiContext } from '../context';
import { fromEnum, toEnum, validName } from './registry';

interface PackageRow {
  registry: string;
  name: string;
  latest_version: string | null;
  summary: string | null;
  changelog_version: string | null;
  changelog_file: string | null;
  changelog_source_url: string | null;
  changelog_format: string | null;
}

interface EntryRow {
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
  const { rows } = await ctx.pool.query<PackageRow>(
    `SELECT registry, name, latest_version, summary, changelog_version, changelog_file, changelog_source_url, changelog_format
       FROM packages WHERE registry = $1 AND name = $2`,
    [fromEnum(args.registry), validName(args.name)],
  );
  const row = rows[0];
  return row ? toPackage(row) : null;
}

function toPackage(row: PackageRow) {
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
  const { registry, name } = parent;
  const { rows } = await ctx.pool.query<EntryRow>(
    `SELECT version, to_char(date, 'YYYY-MM-DD') AS date, title, body, html, sections, unreleased, yanked, prerelease
       FROM changelog_entries WHERE registry = $1 AND name = $2 ORDER BY ordinal`,
    [registry, name],
  );
  return rows.map((e) => ({ ...e, version: e.version ?? 'Unreleased' }));
}
