// The vocabulary shared by workflows, activities and the API. Types only: safe to import anywhere.

export const REGISTRIES = ['npm', 'rubygems', 'pypi'] as const;
export type Registry = (typeof REGISTRIES)[number];

/** found: a changelog was parsed; not_found: the release has none (a normal outcome); rejected: hostile or
 * oversized input (final); failed: transient trouble outlasted the retries (replayable). */
export type CrawlOutcome = 'found' | 'not_found' | 'failed' | 'rejected';

export interface ReleaseRef {
  registry: Registry;
  name: string;
  version: string;
}

/** What the registry says about one release; small enough to travel through workflow history. */
export interface ReleaseInfo extends ReleaseRef {
  publishedAt: string | null;
  latestVersion: string | null;
  summary: string | null;
  archive: { url: string; kind: 'npm' | 'gem' | 'sdist' } | null;
  repository: { url: string; directory: string | null } | null;
  /** A changelog link the package declares (RubyGems changelog_uri, PyPI project_urls). */
  changelogUrl: string | null;
}

/** Where a parsed changelog is stored: content hashes, not content. */
export interface ChangelogRef {
  fileName: string;
  /** Where it was found: `archive:<path inside the package>`. */
  foundIn: string;
  sourceUrl: string | null;
  format: string;
  rawSha256: string;
  parsedSha256: string;
  entryCount: number;
}

export interface CrawlRef {
  workflowId: string;
  runId: string;
  startedAt: string;
}

/** The crawl worker's task queue, derived from the orchestration queue so the two always pair up. */
export function crawlTaskQueue(orchestrationTaskQueue: string): string {
  return `${orchestrationTaskQueue}-crawl`;
}

/**
 * The name a release is known by here, so one project spelled two ways is one package: PyPI names are
 * compared after PEP 503 normalisation (`Foo.Bar_baz` is `foo-bar-baz`); npm and RubyGems names are exact.
 */
export function canonicalName(registry: Registry, name: string): string {
  return registry === 'pypi' ? name.replace(/[-_.]+/g, '-').toLowerCase() : name;
}

export function releaseRef(registry: Registry, name: string, version: string): ReleaseRef {
  return { registry, name: canonicalName(registry, name), version };
}

export function crawlWorkflowId(release: ReleaseRef): string {
  return `crawl:${release.registry}:${release.name}@${release.version}`;
}

/** ApplicationFailure types that crawl activities throw and the crawl workflow tells apart. */
export const FAILURE_TYPES = {
  /** Hostile or oversized input: the crawl ends `rejected`, without retries. */
  rejected: 'ChangelogRejected',
  /** The registry does not have the release. */
  notPublished: 'ReleaseNotPublished',
  /** An upstream is down or rate limiting: retried with backoff, honouring Retry-After. */
  upstreamUnavailable: 'UpstreamUnavailable',
} as const;
