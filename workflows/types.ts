// The vocabulary shared by workflows, activities and the API. Types only: safe to import anywhere.

export const REGISTRIES = ['npm', 'rubygems', 'pypi'] as const;
export type Registry = (typeof REGISTRIES)[number];

/**
 * found: a changelog was parsed; not_found: the release has none (a normal outcome); rejected: hostile or
 * oversized input (final); not_published: the registry does not have the release (final); failed: trouble
 * outlasted the retries, or the parser failed (replayable); cancelled: someone cancelled the crawl (replayable).
 */
export type CrawlOutcome = 'found' | 'not_found' | 'rejected' | 'not_published' | 'failed' | 'cancelled';

/** The outcomes a crawl completes with; the others end its workflow Failed or Cancelled. */
export type CompletedOutcome = Extract<CrawlOutcome, 'found' | 'not_found' | 'rejected' | 'not_published'>;

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

/** What a crawl keeps of the registry's metadata about the release. */
export interface ReleaseFacts {
  publishedAt: string | null;
  latestVersion: string | null;
  summary: string | null;
}

/** A repository on the configured forge. */
export interface ForgeRepository {
  owner: string;
  repo: string;
  /** The package's directory in it (monorepos), searched before the root. */
  directory: string | null;
}

/**
 * Where else a changelog may be when the package archive has none: each is one request to the forge, and
 * requests to the forge share one rate limit, so they are steps of their own.
 */
export interface ForgeLeads {
  /** A changelog file the package links to, on the forge (raw URL). */
  link: { url: string; fileName: string; sourceUrl: string } | null;
  repository: ForgeRepository | null;
  /** The registry's versions, which the parser uses to recognise releases. */
  knownVersions: string[];
}

/** A file in a repository listing that looks like the changelog. */
export interface ForgeFile {
  url: string;
  fileName: string;
  /** `repository:<owner>/<repo>/<path>`. */
  foundIn: string;
  sourceUrl: string | null;
}

/** What the crawl learned from the registry and the package archive. */
export interface PackageLook {
  facts: ReleaseFacts;
  changelog: ChangelogRef | null;
  /** Null when the changelog was found, or there is nowhere else to look. */
  leads: ForgeLeads | null;
  /** The outcome the step recorded itself, when there was nowhere else to look; null otherwise. */
  recorded: CompletedOutcome | null;
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

/** A changelog that holds no release entry is kept only in case no other source has a better one. */
export function holdsEntries(changelog: ChangelogRef | null): changelog is ChangelogRef {
  return changelog !== null && changelog.entryCount > 0;
}

export interface CrawlRef {
  workflowId: string;
  runId: string;
  startedAt: string;
}

/** The crawl worker's task queue (crawl workflows and their steps), derived from the orchestration queue. */
export function crawlTaskQueue(orchestrationTaskQueue: string): string {
  return `${orchestrationTaskQueue}-crawl`;
}

/** The queue of requests to the forge: its rate limit is the forge's quota, shared by every crawl worker. */
export function forgeTaskQueue(orchestrationTaskQueue: string): string {
  return `${orchestrationTaskQueue}-forge`;
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
  /** The changelog parser threw: a bug, so the crawl fails (and is replayed once the parser is fixed). */
  parserFault: 'ParserFault',
} as const;
