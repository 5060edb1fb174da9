// A local RubyGems (`{RUBYGEMS}`): activity feeds, timeframe versions, version metadata, `.gem` files, and the
// 10 requests/s API limit answered with 429 + Retry-After.
import { createHash } from 'node:crypto';
import { gemFile } from './archives';
import {
  bytes,
  type FaultInjector,
  json,
  type RequestCounters,
  type SimRequest,
  type SimResponse,
  SlidingWindowLimiter,
  startServer,
  text,
} from './http';

export interface GemRelease {
  name: string;
  version: string;
  /** `ruby` unless a native build. */
  platform?: string;
  /** Files of the gem, paths relative to its root (no top folder). */
  files?: Record<string, string | Buffer>;
  info?: string;
  authors?: string[];
  licenses?: string[];
  homepageUri?: string;
  sourceCodeUri?: string;
  changelogUri?: string;
  bugTrackerUri?: string;
  documentationUri?: string;
  fundingUri?: string;
  runtimeDependencies?: { name: string; requirements: string }[];
  /** Push time; now when omitted. */
  time?: string;
}

export interface RubyGemsOptions {
  /** API requests allowed per second before 429 (null: unlimited). Default 10, as the real one. */
  requestsPerSecond?: number | null;
}

export interface RubyGemsSimulator extends RequestCounters, FaultInjector {
  url: string;
  publish(release: GemRelease): Promise<{ name: string; version: string }>;
  yank(name: string, version: string): void;
  close(): Promise<void>;
}

interface StoredVersion {
  release: GemRelease;
  platform: string;
  createdAt: string;
  gem: Buffer;
  sha: string;
  yanked: boolean;
}

interface StoredGem {
  name: string;
  createdAt: string;
  versions: StoredVersion[];
}

export const ACTIVITY_SIZE = 50;
export const TIMEFRAME_PAGE_SIZE = 30;
export const MAX_TIMEFRAME_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

function gemFileName(name: string, version: string, platform: string): string {
  return platform === 'ruby' ? `${name}-${version}.gem` : `${name}-${version}-${platform}.gem`;
}

/** Ruby's `Time.iso8601`: a date, or a date and time with an optional zone (UTC when absent). */
function parseIso8601(raw: string | null): number | null {
  if (raw === null) return null;
  const match = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/.exec(raw);
  if (!match) return null;
  const zone = match[3] ?? 'Z';
  const time = Date.parse(`${match[1]}T${match[2] ?? '00:00:00'}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`);
  return Number.isNaN(time) ? null : time;
}

function pageParam(raw: string | null): number {
  const page = Number(raw);
  return Number.isSafeInteger(page) && page >= 1 ? page : 1;
}

export async function startRubyGems(options: RubyGemsOptions = {}): Promise<RubyGemsSimulator> {
  const gems = new Map<string, StoredGem>();
  const perSecond = options.requestsPerSecond === undefined ? 10 : options.requestsPerSecond;
  const limiter = perSecond === null ? null : new SlidingWindowLimiter(perSecond, 1000);
  let baseUrl = '';

  const indexed = () =>
    [...gems.values()]
      .flatMap((g) => g.versions.map((v) => ({ gem: g, version: v })))
      .filter((x) => !x.version.yanked)
      .sort((a, b) => a.version.createdAt.localeCompare(b.version.createdAt));

  function info(gem: StoredGem, stored: StoredVersion) {
    const r = stored.release;
    const uris = {
      homepage_uri: r.homepageUri ?? null,
      source_code_uri: r.sourceCodeUri ?? null,
      bug_tracker_uri: r.bugTrackerUri ?? null,
      documentation_uri: r.documentationUri ?? null,
      changelog_uri: r.changelogUri ?? null,
      funding_uri: r.fundingUri ?? null,
    };
    const metadata = Object.fromEntries(Object.entries(uris).filter((entry): entry is [string, string] => entry[1] !== null));
    return {
      name: gem.name,
      downloads: 0,
      version: r.version,
      version_created_at: stored.createdAt,
      version_downloads: 0,
      platform: stored.platform,
      authors: (r.authors ?? ['Anonymous']).join(', '),
      info: r.info ?? '',
      licenses: r.licenses ?? ['MIT'],
      metadata,
      yanked: stored.yanked,
      sha: stored.sha,
      spec_sha: createHash('sha256').update(`${gem.name}-${r.version}.gemspec`).digest('hex'),
      project_uri: `${baseUrl}/gems/${gem.name}`,
      gem_uri: `${baseUrl}/gems/${gemFileName(gem.name, r.version, stored.platform)}`,
      wiki_uri: null,
      mailing_list_uri: null,
      ...uris,
      dependencies: { development: [], runtime: r.runtimeDependencies ?? [] },
    };
  }

  function versionEntry(stored: StoredVersion) {
    const r = stored.release;
    return {
      authors: (r.authors ?? ['Anonymous']).join(', '),
      built_at: stored.createdAt,
      created_at: stored.createdAt,
      description: r.info ?? '',
      downloads_count: 0,
      metadata: info({ name: r.name, createdAt: stored.createdAt, versions: [] }, stored).metadata,
      number: r.version,
      summary: r.info ?? '',
      platform: stored.platform,
      rubygems_version: '>= 0',
      ruby_version: '>= 3.0',
      prerelease: /[a-zA-Z]/.test(r.version),
      licenses: r.licenses ?? ['MIT'],
      requirements: [],
      sha: stored.sha,
      spec_sha: null,
    };
  }

  function timeframe(req: SimRequest): SimResponse {
    const query = req.url.searchParams;
    const from = parseIso8601(query.get('from'));
    if (from === null) return text(400, 'the from parameter must be iso8601 formatted');
    const to = query.has('to') && query.get('to') !== '' ? parseIso8601(query.get('to')) : Date.now();
    if (to === null) return text(400, 'the to parameter must be iso8601 formatted');
    if (to - from > MAX_TIMEFRAME_DAYS * DAY_MS) return text(400, `the supplied query time range cannot exceed ${MAX_TIMEFRAME_DAYS} days`);
    if (from > to) return text(400, 'the from parameter must be before the to parameter');
    const page = pageParam(query.get('page'));
    const within = indexed().filter((x) => {
      const at = Date.parse(x.version.createdAt);
      return at >= from && at <= to;
    });
    return json(
      200,
      within.slice((page - 1) * TIMEFRAME_PAGE_SIZE, page * TIMEFRAME_PAGE_SIZE).map((x) => info(x.gem, x.version)),
    );
  }

  function handle(req: SimRequest): SimResponse | undefined {
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'Method not allowed');
    const path = decodeURIComponent(req.path);
    if (path === '/api/v1/activity/just_updated.json') {
      return json(200, indexed().reverse().slice(0, ACTIVITY_SIZE).map((x) => info(x.gem, x.version)));
    }
    if (path === '/api/v1/activity/latest.json') {
      const newestGems = [...gems.values()]
        .map((g) => ({ gem: g, latest: g.versions.filter((v) => !v.yanked).at(-1) }))
        .filter((x): x is { gem: StoredGem; latest: StoredVersion } => x.latest !== undefined)
        .sort((a, b) => b.gem.createdAt.localeCompare(a.gem.createdAt))
        .slice(0, ACTIVITY_SIZE);
      return json(200, newestGems.map((x) => info(x.gem, x.latest)));
    }
    if (path === '/api/v1/timeframe_versions.json') return timeframe(req);
    const versions = /^\/api\/v1\/versions\/([^/]+)\.json$/.exec(path);
    if (versions) {
      const gem = gems.get(versions[1]!);
      const listed = gem?.versions.filter((v) => !v.yanked) ?? [];
      if (!gem || listed.length === 0) return text(404, 'This rubygem could not be found.');
      return json(200, listed.toReversed().map(versionEntry));
    }
    const one = /^\/api\/v2\/rubygems\/([^/]+)\/versions\/([^/]+)\.json$/.exec(path);
    if (one) {
      const gem = gems.get(one[1]!);
      const platform = req.url.searchParams.get('platform') ?? 'ruby';
      const stored = gem?.versions.find((v) => v.release.version === one[2] && v.platform === platform);
      return gem && stored ? json(200, info(gem, stored)) : text(404, 'This version could not be found.');
    }
    const file = /^\/gems\/([^/]+\.gem)$/.exec(path);
    if (file) {
      for (const gem of gems.values()) {
        const stored = gem.versions.find((v) => gemFileName(gem.name, v.release.version, v.platform) === file[1]);
        if (stored) return bytes(stored.gem);
      }
      return text(404, 'Not Found');
    }
    return undefined;
  }

  const rateLimit = (req: SimRequest): SimResponse | undefined => {
    if (!limiter || !req.path.startsWith('/api/')) return undefined;
    const wait = limiter.take();
    return wait === null ? undefined : text(429, 'Retry later\n', { 'retry-after': wait });
  };

  const server = await startServer({ before: [rateLimit], handlers: [handle] });
  baseUrl = server.url;

  return {
    url: server.url,
    failNext: server.failNext,
    delay: server.delay,
    hits: server.hits,
    requests: server.requests,
    async publish(release) {
      const createdAt = release.time ?? new Date().toISOString();
      const platform = release.platform ?? 'ruby';
      if (gems.get(release.name)?.versions.some((v) => v.release.version === release.version && v.platform === platform)) {
        throw new Error(`Repushing of gem versions is not allowed: ${release.name} ${release.version}`);
      }
      const metadata = Object.fromEntries(
        Object.entries({
          homepage_uri: release.homepageUri,
          source_code_uri: release.sourceCodeUri,
          changelog_uri: release.changelogUri,
          bug_tracker_uri: release.bugTrackerUri,
          documentation_uri: release.documentationUri,
          funding_uri: release.fundingUri,
        }).filter((entry): entry is [string, string] => entry[1] !== undefined),
      );
      const gem = await gemFile(
        { name: release.name, version: release.version, summary: release.info ?? '', metadata, ...(release.authors && { authors: release.authors }), ...(release.licenses && { licenses: release.licenses }), ...(release.homepageUri && { homepage: release.homepageUri }) },
        release.files ?? { [`lib/${release.name}.rb`]: `module ${release.name.replace(/(^|[-_])(\w)/g, (_, __, c: string) => c.toUpperCase())}\nend\n` },
      );
      const stored = gems.get(release.name) ?? { name: release.name, createdAt, versions: [] };
      stored.versions.push({ release, platform, createdAt, gem, sha: createHash('sha256').update(gem).digest('hex'), yanked: false });
      gems.set(release.name, stored);
      return { name: release.name, version: release.version };
    },
    yank(name, version) {
      const stored = gems.get(name)?.versions.find((v) => v.release.version === version);
      if (!stored) throw new Error(`${name} ${version} is not published`);
      stored.yanked = true;
    },
    close: server.close,
  };
}
