// Per-request batching: every `Crawl.package` (or `package` query) resolved in one tick of a request is one
// statement, and a package's changelog entries are read once however many fields ask for them.
import DataLoader from 'dataloader';
import type { Pool } from 'pg';
import { userError } from './errors';
import { type EntryRow, PACKAGE_COLUMNS, type PackageRow } from './resolvers/package';

export interface PackageKey {
  registry: string;
  name: string;
}

/**
 * Changelogs whose entries one request may read. A changelog holds up to MAX_CHANGELOG_ENTRIES entries and
 * the list is not paged, which a static cost estimate cannot see: a page of 100 search results with their
 * entries could be half a million rows. The web page reads one changelog at a time.
 */
export const MAX_CHANGELOGS_PER_REQUEST = 10;

/** The columns of an EntryRow, as every read of changelog entries selects them. */
export const ENTRY_COLUMNS = "version, to_char(date, 'YYYY-MM-DD') AS date, title, body, html, sections, unreleased, yanked, prerelease";

const keyOf = (key: PackageKey) => `${key.registry}\u0000${key.name}`;

export function createLoaders(pool: Pool) {
  let changelogsRead = 0;
  return {
    packages: new DataLoader<PackageKey, PackageRow | null, string>(
      async (keys) => {
        const { rows } = await pool.query<PackageRow>(
          `SELECT ${PACKAGE_COLUMNS} FROM packages JOIN unnest($1::text[], $2::text[]) AS wanted(registry, name) USING (registry, name)`,
          [keys.map((k) => k.registry), keys.map((k) => k.name)],
        );
        const found = new Map(rows.map((row) => [keyOf(row), row]));
        return keys.map((key) => found.get(keyOf(key)) ?? null);
      },
      { cacheKeyFn: keyOf, maxBatchSize: 100 },
    ),
    entries: new DataLoader<PackageKey, EntryRow[], string>(
      async (keys) => {
        changelogsRead += keys.length;
        if (changelogsRead > MAX_CHANGELOGS_PER_REQUEST) {
          throw userError('COST_LIMIT_EXCEEDED', `a request reads the entries of at most ${MAX_CHANGELOGS_PER_REQUEST} changelogs`);
        }
        const { rows } = await pool.query<EntryRow & { registry: string; name: string }>(
          `SELECT registry, name, ${ENTRY_COLUMNS}
             FROM changelog_entries JOIN unnest($1::text[], $2::text[]) AS wanted(registry, name) USING (registry, name)
            ORDER BY registry, name, ordinal`,
          [keys.map((k) => k.registry), keys.map((k) => k.name)],
        );
        const byPackage = new Map<string, EntryRow[]>();
        for (const { registry, name, ...entry } of rows) {
          const key = keyOf({ registry, name });
          const entries = byPackage.get(key);
          if (entries) entries.push(entry);
          else byPackage.set(key, [entry]);
        }
        return keys.map((key) => byPackage.get(keyOf(key)) ?? []);
      },
      { cacheKeyFn: keyOf, maxBatchSize: MAX_CHANGELOGS_PER_REQUEST },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
