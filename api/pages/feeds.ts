// Atom feeds, made with the `feed` library: a package's changelog entries (`/<registry>/<name>.atom`) and
// the recent crawls that found a changelog (`/feed.atom`, `?registry=` to keep one registry).
import { Feed } from 'feed';
import type { Pool } from 'pg';
import { ENTRY_COLUMNS } from '../loaders';
import type { CrawlRow } from '../resolvers/crawls';
import type { EntryRow, PackageRow } from '../resolvers/package';
import { escapeHtml } from './html';
import { entryAnchor, packagePath } from './paths';
import { entryAnchors, REGISTRY_LABELS } from './templates';

/** Entries a feed holds: readers keep what they saw, so the newest are enough. */
export const FEED_ENTRIES = 50;

/** The library writes HTML content as CDATA, which must not hold its own terminator. */
const cdataSafe = (text: string) => text.replaceAll(']]>', ']]&gt;');

function newFeed(origin: string, title: string, selfPath: string, pagePath: string, updated: Date, description: string): Feed {
  return new Feed({
    id: `${origin}${selfPath}`,
    title,
    description,
    link: `${origin}${pagePath}`,
    feedLinks: { atom: `${origin}${selfPath}` },
    updated,
    author: { name: 'Changelogs' },
    generator: 'Changelogs',
    copyright: '',
  });
}

/**
 * A package's entries, newest first as the changelog lists them. An entry is dated by its changelog date, or
 * else when the crawl of its version ended, or else by the nearest older dated entry, or else when the package's
 * oldest crawl listed ended (an id never changes, so a reader shows each entry once however its date is found).
 */
export function packageFeed(origin: string, pkg: PackageRow, entries: EntryRow[], crawls: CrawlRow[]): string {
  const crawledAt = new Map<string, Date>();
  for (const crawl of [...crawls].reverse()) crawledAt.set(crawl.version, crawl.finished_at);
  const dates: (Date | null)[] = entries.map((e) => (e.date ? new Date(`${e.date}T00:00:00Z`) : e.version ? (crawledAt.get(e.version) ?? null) : null));
  for (let i = dates.length - 2; i >= 0; i--) dates[i] ??= dates[i + 1] ?? null;
  const epoch = crawls.at(-1)?.finished_at ?? new Date(0);
  const page = packagePath(pkg.registry, pkg.name);
  const self = packagePath(pkg.registry, pkg.name, 'atom');
  const newest = dates.reduce<Date>((a, b) => (b && b > a ? b : a), crawls[0]?.finished_at ?? epoch);
  const feed = newFeed(origin, `${pkg.name} (${REGISTRY_LABELS[pkg.registry] ?? pkg.registry}): changelog`, self, page, newest, pkg.summary ?? `New entries in the changelog of ${pkg.name}`);
  const anchors = entryAnchors(entries);
  entries.slice(0, FEED_ENTRIES).forEach((entry, i) => {
    const heading = entry.version ?? 'Unreleased';
    feed.addItem({
      title: escapeHtml(`${pkg.name} ${heading}${entry.title && entry.title !== heading ? `: ${entry.title}` : ''}`),
      id: `${origin}${page}#${anchors[i]}`,
      link: `${origin}${page}#${anchors[i]}`,
      date: dates[i] ?? epoch,
      content: cdataSafe(entry.html),
    });
  });
  return feed.atom1();
}

/** The changelog entry of each crawled release, where its changelog has one. */
async function entriesOfReleases(pool: Pool, crawls: CrawlRow[]): Promise<Map<string, EntryRow>> {
  const { rows } = await pool.query<EntryRow & { registry: string; name: string }>(
    `SELECT DISTINCT ON (registry, name, version) registry, name, ${ENTRY_COLUMNS}
       FROM changelog_entries JOIN unnest($1::text[], $2::text[], $3::text[]) AS wanted(registry, name, version) USING (registry, name, version)
      ORDER BY registry, name, version, ordinal`,
    [crawls.map((c) => c.registry), crawls.map((c) => c.name), crawls.map((c) => c.version)],
  );
  return new Map(rows.map((row) => [`${row.registry}\u0000${row.name}\u0000${row.version}`, row]));
}

export async function recentFeed(origin: string, pool: Pool, crawls: CrawlRow[], registry: string | null): Promise<string> {
  const entries = await entriesOfReleases(pool, crawls);
  const self = registry ? `/feed.atom?registry=${registry}` : '/feed.atom';
  const label = registry ? `${REGISTRY_LABELS[registry]} ` : '';
  const feed = newFeed(origin, `Changelogs: recent ${label}releases with a changelog`, self, '/', crawls[0]?.finished_at ?? new Date(0), `Releases of ${label || 'npm, RubyGems and PyPI '}packages whose crawl found a changelog, newest first.`);
  for (const crawl of crawls) {
    const entry = entries.get(`${crawl.registry}\u0000${crawl.name}\u0000${crawl.version}`);
    const page = packagePath(crawl.registry, crawl.name);
    feed.addItem({
      title: escapeHtml(`${crawl.name} ${crawl.version} (${REGISTRY_LABELS[crawl.registry] ?? crawl.registry})`),
      id: `${origin}${page}#crawl-${encodeURIComponent(crawl.run_id)}`,
      link: `${origin}${page}${entry ? `#${entryAnchor(entry.version)}` : ''}`,
      date: crawl.finished_at,
      content: cdataSafe(entry ? entry.html : `<p>Its changelog has no entry for ${escapeHtml(crawl.version)}; see the whole changelog.</p>`),
    });
  }
  return feed.atom1();
}
