// The upgrade report: for each locked dependency, the changelog entries between its locked version and the
// latest, breaking ones first, from the read models. Packages never crawled are crawled on demand (one crawl
// workflow per release, the `requested` policy, as the crawl mutation does), so a report asked for again once
// those crawls end (the live stream says when) is complete.
import type { Client } from '@temporalio/client';
import pMap from 'p-map';
import type { Pool } from 'pg';
import { resolveRelease } from '../activities/crawl/resolveRelease';
import { UpstreamError } from '../activities/http/httpGet';
import { versionOrder } from '../api/versions';
import type { Config } from '../infra/config';
import { startCrawls } from '../infra/temporal/crawls';
import { canonicalName, type CrawlOutcome, crawlWorkflowId, type Registry, type ReleaseRef } from '../workflows/types';
import type { LockfileFormat, ParsedLockfile } from './lockfiles';

export type DependencyStatus = 'up_to_date' | 'changes' | 'crawling' | 'no_changelog' | 'not_crawled';

export interface ReportEntry {
  version: string;
  date: string | null;
  title: string;
  html: string;
  body: string;
  sections: { kind: string; title: string }[];
  breaking: boolean;
  security: boolean;
  yanked: boolean;
  prerelease: boolean;
}

export interface DependencyReport {
  registry: Registry;
  name: string;
  lockedVersion: string;
  latestVersion: string | null;
  status: DependencyStatus;
  dev: boolean;
  /** How the package's latest crawl ended, when it has no changelog here. */
  outcome: CrawlOutcome | null;
  /** The crawl the report waits for, when `crawling`. */
  workflowId: string | null;
  /** After the locked version, up to and including the latest: breaking ones first, then newest first. */
  entries: ReportEntry[];
  breakingCount: number;
  securityCount: number;
  note: string | null;
}

export interface ReportSummary {
  dependencies: number;
  upToDate: number;
  withChanges: number;
  /** Dependencies with at least one breaking entry. */
  breaking: number;
  crawling: number;
  noChangelog: number;
  notCrawled: number;
  entries: number;
}

export interface UpgradeReport {
  format: LockfileFormat;
  registry: Registry;
  fileName: string | null;
  dependencies: DependencyReport[];
  summary: ReportSummary;
  /** No dependency is waiting for a crawl. */
  complete: boolean;
  crawlsStarted: number;
  skipped: string[];
  hint: string | null;
}

export interface ReportDeps {
  pool: Pool;
  config: Config;
  /** Needed only to crawl on demand. */
  temporal?: Client | null;
  /** The orchestration task queue (TASK_QUEUE). */
  taskQueue: string;
}

export interface ReportOptions {
  /** Crawl packages never crawled (and latest releases not crawled yet); false reports what is known. */
  crawl: boolean;
  fileName?: string | null;
  /** Said in the report when `crawl` is false, e.g. how to get a token. */
  hintWithoutCrawl?: string | null;
  /** Registry look-ups and crawl starts in flight at once. */
  concurrency?: number;
}

interface PackageRow {
  name: string;
  latest_version: string | null;
  has_changelog: boolean;
  latest_outcome: CrawlOutcome | null;
  last_outcome: CrawlOutcome | null;
}

interface EntryHead {
  name: string;
  ordinal: number;
  version: string | null;
}

interface EntryRow extends Omit<ReportEntry, 'breaking' | 'security' | 'version'> {
  name: string;
  ordinal: number;
  version: string;
}

/** A `BREAKING CHANGE` note in the text (conventional commits), besides a section the parser marked breaking. */
const BREAKING_NOTE = /\bBREAKING[ -]CHANGES?\b/;

const STATUS_ORDER: Record<DependencyStatus, number> = { changes: 0, crawling: 1, not_crawled: 2, no_changelog: 3, up_to_date: 4 };

export async function buildUpgradeReport(deps: ReportDeps, lockfile: ParsedLockfile, options: ReportOptions): Promise<UpgradeReport> {
  const { registry } = lockfile;
  const order = versionOrder(registry);
  const locked = lockfile.dependencies.map((d) => ({ ...d, name: canonicalName(registry, d.name) }));
  const names = [...new Set(locked.map((d) => d.name))];

  const { rows: packageRows } = await deps.pool.query<PackageRow>(
    `SELECT p.name, p.latest_version, p.changelog_file IS NOT NULL AS has_changelog,
            (SELECT r.outcome FROM releases r WHERE r.registry = p.registry AND r.name = p.name AND r.version = p.latest_version) AS latest_outcome,
            (SELECT r.outcome FROM releases r WHERE r.registry = p.registry AND r.name = p.name ORDER BY r.crawled_at DESC LIMIT 1) AS last_outcome
       FROM packages p
      WHERE p.registry = $1 AND p.name = ANY($2::text[])`,
    [registry, names],
  );
  const packages = new Map(packageRows.map((row) => [row.name, row]));

  // Which entries each locked version needs, from the entries' versions alone; then only those entries' text.
  const withChangelog = packageRows.filter((row) => row.has_changelog).map((row) => row.name);
  const heads = new Map<string, { ordinal: number; parsed: unknown }[]>();
  if (withChangelog.length) {
    const { rows } = await deps.pool.query<EntryHead>(
      'SELECT name, ordinal, version FROM changelog_entries WHERE registry = $1 AND name = ANY($2::text[]) AND version IS NOT NULL',
      [registry, withChangelog],
    );
    for (const row of rows) {
      const parsed = order.parse(row.version!);
      if (parsed === null) continue;
      const list = heads.get(row.name);
      if (list) list.push({ ordinal: row.ordinal, parsed });
      else heads.set(row.name, [{ ordinal: row.ordinal, parsed }]);
    }
  }
  const wanted = new Map<string, number[]>();
  const plans = locked.map((dependency) => {
    const row = packages.get(dependency.name);
    const lockedParsed = order.parse(dependency.version);
    const latestParsed = row?.latest_version ? order.parse(row.latest_version) : null;
    const behind = lockedParsed !== null && latestParsed !== null && order.compare(lockedParsed, latestParsed) < 0;
    const ordinals =
      row?.has_changelog && lockedParsed !== null
        ? (heads.get(dependency.name) ?? [])
            .filter(({ parsed }) => order.compare(parsed, lockedParsed) > 0 && (latestParsed === null || order.compare(parsed, latestParsed) <= 0))
            .map(({ ordinal }) => ordinal)
        : [];
    for (const ordinal of ordinals) {
      const list = wanted.get(dependency.name);
      if (list) list.push(ordinal);
      else wanted.set(dependency.name, [ordinal]);
    }
    return { dependency, row, lockedParsed, behind, ordinals };
  });
  const entries = new Map<string, EntryRow>();
  const pairs = [...wanted].flatMap(([name, ordinals]) => [...new Set(ordinals)].map((ordinal) => [name, ordinal] as const));
  if (pairs.length) {
    const { rows } = await deps.pool.query<EntryRow>(
      `SELECT e.name, e.ordinal, e.version, to_char(e.date, 'YYYY-MM-DD') AS date, e.title, e.body, e.html, e.sections, e.yanked, e.prerelease
         FROM changelog_entries e JOIN unnest($2::text[], $3::int[]) AS w(name, ordinal) USING (name, ordinal)
        WHERE e.registry = $1`,
      [registry, pairs.map(([name]) => name), pairs.map(([, ordinal]) => ordinal)],
    );
    for (const row of rows) entries.set(`${row.name}\u0000${row.ordinal}`, row);
  }

  // Crawls on demand: the latest release of each package never crawled (its version from the registry), and
  // the latest release of a known package when that one was not crawled yet.
  const toCrawl = new Map<string, ReleaseRef>();
  const notes = new Map<string, { status: DependencyStatus; outcome?: CrawlOutcome; note: string }>();
  if (options.crawl) {
    const unknown = names.filter((name) => !packages.has(name));
    await pMap(
      unknown,
      async (name) => {
        try {
          const { version } = await resolveRelease(deps.config, { registry, name });
          toCrawl.set(name, { registry, name, version });
        } catch (err) {
          if (!(err instanceof UpstreamError)) throw err;
          notes.set(
            name,
            err.kind === 'not-found'
              ? { status: 'no_changelog', outcome: 'not_published', note: `${name} is not published on ${registry}` }
              : { status: 'not_crawled', note: `the ${registry} registry did not answer: ${err.message}` },
          );
        }
      },
      { concurrency: options.concurrency ?? 16 },
    );
    for (const { dependency, row, behind } of plans) {
      if (row?.latest_version && behind && row.latest_outcome === null) toCrawl.set(dependency.name, { registry, name: dependency.name, version: row.latest_version });
    }
  }
  let crawlsStarted = 0;
  if (toCrawl.size) {
    if (!deps.temporal) throw new Error('crawling on demand needs a Temporal client');
    crawlsStarted = await startCrawls(deps.temporal, deps.taskQueue, [...toCrawl.values()], 'requested', { concurrency: options.concurrency ?? 16 });
  }

  const dependencies = plans.map(({ dependency, row, lockedParsed, behind, ordinals }): DependencyReport => {
    const crawl = toCrawl.get(dependency.name);
    const base = {
      registry,
      name: dependency.name,
      lockedVersion: dependency.version,
      latestVersion: crawl?.version ?? row?.latest_version ?? null,
      dev: dependency.dev,
      outcome: null,
      workflowId: crawl ? crawlWorkflowId(crawl) : null,
      entries: [] as ReportEntry[],
      breakingCount: 0,
      securityCount: 0,
      note: null as string | null,
    };
    const known = notes.get(dependency.name);
    if (known) return { ...base, status: known.status, outcome: known.outcome ?? null, note: known.note };
    if (!row) {
      return crawl
        ? { ...base, status: 'crawling' }
        : { ...base, status: 'not_crawled', note: options.crawl ? null : 'never crawled' };
    }
    const found = ordinals.flatMap((ordinal) => {
      const entry = entries.get(`${dependency.name}\u0000${ordinal}`);
      if (!entry) return [];
      const reported: ReportEntry = {
        version: entry.version,
        date: entry.date,
        title: entry.title,
        html: entry.html,
        body: entry.body,
        sections: entry.sections,
        breaking: entry.sections.some((s) => s.kind === 'breaking') || BREAKING_NOTE.test(entry.body),
        security: entry.sections.some((s) => s.kind === 'security'),
        yanked: entry.yanked,
        prerelease: entry.prerelease,
      };
      return [{ entry: reported, parsed: order.parse(entry.version) }];
    });
    found.sort((a, b) => Number(b.entry.breaking) - Number(a.entry.breaking) || order.compare(b.parsed, a.parsed));
    const listed = found.map(({ entry }) => entry);
    const counted = {
      entries: listed,
      breakingCount: listed.filter((e) => e.breaking).length,
      securityCount: listed.filter((e) => e.security).length,
    };
    if (crawl) return { ...base, ...counted, status: 'crawling', note: `crawling ${crawl.version}` };
    if (lockedParsed === null) return { ...base, status: row.has_changelog ? 'changes' : 'no_changelog', outcome: row.has_changelog ? null : row.last_outcome, note: `"${dependency.version}" is not a ${registry} version this report can compare` };
    if (row.latest_version === null) return { ...base, status: 'no_changelog', outcome: row.last_outcome };
    if (!behind) return { ...base, status: 'up_to_date' };
    if (!row.has_changelog) return { ...base, status: 'no_changelog', outcome: row.latest_outcome ?? row.last_outcome };
    return { ...base, ...counted, status: 'changes', note: listed.length ? null : `its changelog has no entry after ${dependency.version}` };
  });
  dependencies.sort(
    (a, b) =>
      Number(b.breakingCount > 0) - Number(a.breakingCount > 0) ||
      Number(b.securityCount > 0) - Number(a.securityCount > 0) ||
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      b.entries.length - a.entries.length ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );

  const count = (status: DependencyStatus) => dependencies.filter((d) => d.status === status).length;
  const summary: ReportSummary = {
    dependencies: dependencies.length,
    upToDate: count('up_to_date'),
    withChanges: count('changes'),
    breaking: dependencies.filter((d) => d.breakingCount > 0).length,
    crawling: count('crawling'),
    noChangelog: count('no_changelog'),
    notCrawled: count('not_crawled'),
    entries: dependencies.reduce((n, d) => n + d.entries.length, 0),
  };
  return {
    format: lockfile.format,
    registry,
    fileName: options.fileName ?? null,
    dependencies,
    summary,
    complete: summary.crawling === 0,
    crawlsStarted,
    skipped: lockfile.skipped,
    hint: !options.crawl && summary.notCrawled > 0 ? (options.hintWithoutCrawl ?? null) : null,
  };
}
