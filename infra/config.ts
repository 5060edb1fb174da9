// All configuration is read and validated here, once, and passed down. Nothing else reads process.env.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

export type Env = Record<string, string | undefined>;

/**
 * What a crawl may consume, each named once: the same name is the field here, in the parameters of the sandbox
 * tasks (activities/sandbox/child) and in the message of the check that enforces it.
 */
export interface Limits {
  /** Bytes of a package archive downloaded before the crawl is rejected. */
  maxArchiveBytes: number;
  /** Bytes produced by decompressing an archive before the crawl is rejected. */
  maxUnpackedBytes: number;
  /** Entries in an archive before the crawl is rejected. */
  maxArchiveEntries: number;
  /** Bytes of one changelog file. */
  maxChangelogBytes: number;
  /** Bytes of a registry metadata document (npm packument). */
  maxMetadataBytes: number;
  /** Entries (releases) kept from one changelog; the rest are dropped. */
  maxChangelogEntries: number;
  /** Characters per changelog line; longer lines are cut so that per-line parsing stays bounded. */
  maxLineLength: number;
}

/** The sandbox's own limits, under the names of SandboxOptions (activities/sandbox), which takes them as they are. */
export interface SandboxLimits {
  /** V8 heap of one sandbox process, in MB. */
  maxHeapMb: number;
  /** Wall-clock time one sandboxed task may run. */
  timeoutMs: number;
  /** Tasks one sandbox process serves before it is replaced; 1 gives every task a new process. */
  maxTasksPerChild: number;
  /** How long a sandbox process with no task waits for the next one before it exits. */
  idleMs: number;
}

export interface Config {
  databaseUrl: string;
  temporal: {
    /** host:port of the frontend; null means `npm start` runs its own server (see `server`). */
    address: string | null;
    /**
     * What `npm start` runs when no address is given: `dev`, the CLI's dev server (SQLite file), or `postgres`,
     * the Temporal server persisting to Postgres, with its Web UI.
     */
    server: 'dev' | 'postgres';
    /** The Postgres server holding the `temporal` and `temporal_visibility` databases (postgres mode). */
    postgresUrl: string;
    /** History shards of a new Postgres-backed cluster (fixed once it is created). */
    historyShards: number;
    namespace: string;
    /** Port of the dev server that `npm start` runs when no address is given. */
    port: number;
    /** Orchestration task queue; the crawl worker listens on `<taskQueue>-crawl`. */
    taskQueue: string;
    uiPort: number;
    /**
     * Base address of the Temporal Web UI that crawls link to (`<ui>/namespaces/<ns>/workflows/<id>/<run>/history`);
     * null when unknown (a TEMPORAL_ADDRESS given without TEMPORAL_UI_URL), so pages show workflow ids without links.
     */
    uiUrl: string | null;
    dataDir: string;
    /** A prebuilt workflow bundle (from bundleWorkflowCode); the sources are bundled at start when unset. */
    workflowBundle: string | null;
  };
  api: {
    port: number;
    token: string | null;
    /** How long a stopping API server waits for requests in flight before closing their connections. */
    shutdownGraceMs: number;
    /** How long a search's ranked window serves repeats of it (api/searchWindows.ts); 0 turns the windows off. */
    searchWindowTtlMs: number;
    /** Whether names and summaries are searched in memory (api/searchIndex), or every search in Postgres. */
    searchIndex: boolean;
    /** The most search statements that rank (api/searchWindows.ts) an API process runs at once; the rest wait. */
    searchStatementsAtOnce: number;
  };
  upstreams: Upstreams;
  discovery: {
    /** Seconds between RubyGems and PyPI polls (Temporal Schedules). */
    pollIntervalSeconds: number;
    /** Seconds the npm follower sleeps when the replication feed is caught up. */
    followIdleSeconds: number;
    /** Changes read from the replication feed per page. */
    followPageSize: number;
    /** Seconds one page may spend reading packuments before it ends early, so every page makes progress. */
    followPageSeconds: number;
    /** Use PyPI's serial journal (XML-RPC) instead of the RSS feed: gap-free but rate limited. */
    pypiSerialJournal: boolean;
  };
  crawl: {
    /** Crawls one crawl worker runs at a time (each may hold a sandbox process). */
    concurrency: number;
    /**
     * Requests an hour the forge allows this deployment (its quota for the token, or per address without one):
     * the rate limit of the forge task queue, shared by every crawl worker.
     */
    forgeRequestsPerHour: number;
  };
  limits: Limits;
  sandbox: SandboxLimits;
  userAgent: string;
  /** Port of a worker process's Prometheus endpoint (`/metrics`); 0 serves none. */
  metricsPort: number;
  /**
   * Milliseconds a worker that was asked to stop (SIGTERM, SIGINT) gives the activities it holds to finish; see
   * workers/shutdown.ts for what happens to those still running then.
   */
  workerShutdownGraceMs: number;
  /** Temporal SDK log level in worker processes. */
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/**
 * Base URLs of the upstreams. `demo`: none configured, so `npm start` runs local simulators and feeds them a
 * steady stream of releases. `live`: the configured ones; a registry without a URL is not watched.
 */
export interface Upstreams {
  mode: 'demo' | 'live';
  npmRegistryUrl: string | null;
  npmReplicateUrl: string | null;
  rubygemsUrl: string | null;
  pypiUrl: string | null;
  githubApiUrl: string | null;
  githubRawUrl: string | null;
  /** The forge's web address, to recognise repository and changelog links that point at it. */
  githubWebUrl: string | null;
  githubToken: string | null;
  /** Requests a second each process sends to RubyGems (its published limit is 10). */
  rubygemsPerSecond: number;
}

/**
 * Every environment variable loadConfig reads, and so every name a deployment may set for a Changelogs process (the
 * deployment files are checked against this list). `npm_config_registry` is what npm passes to scripts it runs.
 */
export const CONFIG_VARIABLES = [
  'DATABASE_URL', 'PGUSER',
  'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'TEMPORAL_UI_URL', 'TASK_QUEUE', 'DATA_DIR', 'WORKFLOW_BUNDLE',
  'TEMPORAL_SERVER', 'TEMPORAL_POSTGRES_URL', 'TEMPORAL_HISTORY_SHARDS',
  'PORT', 'API_TOKEN', 'API_SHUTDOWN_GRACE_MS', 'SEARCH_WINDOW_TTL_MS', 'SEARCH_INDEX', 'SEARCH_STATEMENTS_AT_ONCE', 'METRICS_PORT',
  'UPSTREAMS', 'NPM_REGISTRY_URL', 'npm_config_registry', 'NPM_REPLICATE_URL', 'RUBYGEMS_URL', 'RUBYGEMS_REQUESTS_PER_SECOND',
  'PYPI_URL', 'PYPI_SERIAL_JOURNAL', 'GITHUB_API_URL', 'GITHUB_RAW_URL', 'GITHUB_WEB_URL', 'GITHUB_TOKEN', 'GITHUB_REQUESTS_PER_HOUR',
  'POLL_INTERVAL_SECONDS', 'FOLLOW_IDLE_SECONDS', 'FOLLOW_PAGE_SIZE', 'FOLLOW_PAGE_SECONDS', 'CRAWL_CONCURRENCY',
  'MAX_ARCHIVE_BYTES', 'MAX_UNPACKED_BYTES', 'MAX_ARCHIVE_ENTRIES', 'MAX_CHANGELOG_BYTES', 'MAX_METADATA_BYTES', 'MAX_CHANGELOG_ENTRIES', 'MAX_LINE_LENGTH',
  'SANDBOX_MAX_HEAP_MB', 'SANDBOX_TIMEOUT_MS', 'SANDBOX_TASKS_PER_CHILD', 'SANDBOX_IDLE_MS',
  'USER_AGENT', 'LOG_LEVEL', 'WORKER_SHUTDOWN_GRACE_MS',
] as const;

const UPSTREAM_VARIABLES = ['NPM_REGISTRY_URL', 'NPM_REPLICATE_URL', 'RUBYGEMS_URL', 'PYPI_URL', 'GITHUB_API_URL', 'GITHUB_RAW_URL', 'GITHUB_WEB_URL'];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function onOff(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on') return true;
  if (raw === 'off') return false;
  throw new ConfigError(`${key} must be on or off, got "${raw}"`);
}

function integer(env: Env, key: string, fallback: number, min = 1): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`${key} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return value;
}

function optionalUrl(env: Env, key: string): string | null {
  return env[key] ? url(env, key, () => '') : null;
}

function url(env: Env, key: string, fallback: () => string): string {
  const raw = env[key] || fallback();
  try {
    const parsed = new URL(raw);
    if (!/^https?:$/.test(parsed.protocol)) throw new Error('not http(s)');
  } catch {
    throw new ConfigError(`${key} must be an http(s) URL, got "${raw}"`);
  }
  return raw.replace(/\/+$/, '');
}

/** The registry the user's npm is configured with, so no registry host is written in this project. */
function npmConfiguredRegistry(env: Env): string {
  const fromNpm = env.npm_config_registry;
  if (fromNpm) return fromNpm;
  try {
    return execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8', timeout: 15_000 }).trim();
  } catch {
    throw new ConfigError('NPM_REGISTRY_URL is not set and `npm config get registry` failed: set NPM_REGISTRY_URL');
  }
}

function upstreams(env: Env): Upstreams {
  const requested = env.UPSTREAMS || undefined;
  if (requested !== undefined && requested !== 'demo' && requested !== 'live') throw new ConfigError(`UPSTREAMS must be demo or live, got "${requested}"`);
  const mode: Upstreams['mode'] = requested ?? (UPSTREAM_VARIABLES.some((key) => env[key]) ? 'live' : 'demo');
  if (mode === 'demo') {
    return { mode, npmRegistryUrl: null, npmReplicateUrl: null, rubygemsUrl: null, pypiUrl: null, githubApiUrl: null, githubRawUrl: null, githubWebUrl: null, githubToken: null, rubygemsPerSecond: 5 };
  }
  return {
    mode,
    npmRegistryUrl: url(env, 'NPM_REGISTRY_URL', () => npmConfiguredRegistry(env)),
    npmReplicateUrl: optionalUrl(env, 'NPM_REPLICATE_URL'),
    rubygemsUrl: optionalUrl(env, 'RUBYGEMS_URL'),
    pypiUrl: optionalUrl(env, 'PYPI_URL'),
    githubApiUrl: optionalUrl(env, 'GITHUB_API_URL'),
    githubRawUrl: optionalUrl(env, 'GITHUB_RAW_URL'),
    githubWebUrl: optionalUrl(env, 'GITHUB_WEB_URL'),
    githubToken: env.GITHUB_TOKEN || null,
    rubygemsPerSecond: integer(env, 'RUBYGEMS_REQUESTS_PER_SECOND', 5),
  };
}

const MB = 1024 * 1024;
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;

function logLevel(raw: string | undefined): Config['logLevel'] {
  const level = (raw || 'WARN').toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  }
  return level as Config['logLevel'];
}

function temporalServer(raw: string | undefined): Config['temporal']['server'] {
  const value = raw || 'dev';
  if (value !== 'dev' && value !== 'postgres') throw new ConfigError(`TEMPORAL_SERVER must be dev or postgres, got "${raw}"`);
  return value;
}

/** The crawl limits alone: for `changelogs parse`, which needs no other configuration. */
export function loadLimits(env: Env = process.env): Limits {
  return {
    maxArchiveBytes: integer(env, 'MAX_ARCHIVE_BYTES', 50 * MB),
    maxUnpackedBytes: integer(env, 'MAX_UNPACKED_BYTES', 200 * MB),
    maxArchiveEntries: integer(env, 'MAX_ARCHIVE_ENTRIES', 20_000),
    maxChangelogBytes: integer(env, 'MAX_CHANGELOG_BYTES', 5 * MB),
    maxMetadataBytes: integer(env, 'MAX_METADATA_BYTES', 64 * MB),
    maxChangelogEntries: integer(env, 'MAX_CHANGELOG_ENTRIES', 5_000),
    maxLineLength: integer(env, 'MAX_LINE_LENGTH', 10_000),
  };
}

export function loadConfig(env: Env = process.env, root = path.resolve(__dirname, '..')): Config {
  const taskQueue = env.TASK_QUEUE || 'changelogs';
  const upstreamConfig = upstreams(env);
  // The offline demo's data stays out of a live run's database.
  const defaultDatabase = upstreamConfig.mode === 'demo' ? 'changelogs_demo' : 'changelogs';
  const databaseUrl = env.DATABASE_URL || `postgres://${env.PGUSER || os.userInfo().username}@127.0.0.1:5432/${defaultDatabase}`;
  return {
    databaseUrl,
    temporal: {
      address: env.TEMPORAL_ADDRESS || null,
      server: temporalServer(env.TEMPORAL_SERVER),
      postgresUrl: env.TEMPORAL_POSTGRES_URL || databaseUrl,
      historyShards: integer(env, 'TEMPORAL_HISTORY_SHARDS', 16),
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      port: integer(env, 'TEMPORAL_PORT', 7233),
      taskQueue,
      uiPort: integer(env, 'TEMPORAL_UI_PORT', 8233),
      // The UI `npm start` runs beside its own Temporal, unless another is named.
      uiUrl: optionalUrl(env, 'TEMPORAL_UI_URL') ?? (env.TEMPORAL_ADDRESS ? null : `http://localhost:${integer(env, 'TEMPORAL_UI_PORT', 8233)}`),
      dataDir: path.resolve(root, env.DATA_DIR || '.data'),
      workflowBundle: env.WORKFLOW_BUNDLE || null,
    },
    api: {
      port: integer(env, 'PORT', 4000, 0),
      token: env.API_TOKEN || null,
      shutdownGraceMs: integer(env, 'API_SHUTDOWN_GRACE_MS', 10_000, 0),
      searchWindowTtlMs: integer(env, 'SEARCH_WINDOW_TTL_MS', 30_000, 0),
      searchIndex: onOff(env, 'SEARCH_INDEX', true),
      searchStatementsAtOnce: integer(env, 'SEARCH_STATEMENTS_AT_ONCE', 2, 1),
    },
    upstreams: upstreamConfig,
    discovery: {
      pollIntervalSeconds: integer(env, 'POLL_INTERVAL_SECONDS', 60),
      followIdleSeconds: integer(env, 'FOLLOW_IDLE_SECONDS', 10),
      followPageSize: integer(env, 'FOLLOW_PAGE_SIZE', 500),
      followPageSeconds: integer(env, 'FOLLOW_PAGE_SECONDS', 30),
      pypiSerialJournal: env.PYPI_SERIAL_JOURNAL === '1' || env.PYPI_SERIAL_JOURNAL === 'true',
    },
    crawl: {
      concurrency: integer(env, 'CRAWL_CONCURRENCY', 20),
      // The forge's published quotas: 5,000 requests an hour with a token, 60 without.
      forgeRequestsPerHour: integer(env, 'GITHUB_REQUESTS_PER_HOUR', upstreamConfig.githubToken ? 5_000 : 60),
    },
    limits: loadLimits(env),
    sandbox: {
      maxHeapMb: integer(env, 'SANDBOX_MAX_HEAP_MB', 256, 16),
      timeoutMs: integer(env, 'SANDBOX_TIMEOUT_MS', 30_000, 100),
      maxTasksPerChild: integer(env, 'SANDBOX_TASKS_PER_CHILD', 10_000, 1),
      idleMs: integer(env, 'SANDBOX_IDLE_MS', 30_000, 0),
    },
    userAgent: env.USER_AGENT || 'changelogs-crawler/0.1 (+self-hosted)',
    metricsPort: integer(env, 'METRICS_PORT', 9464, 0),
    workerShutdownGraceMs: integer(env, 'WORKER_SHUTDOWN_GRACE_MS', 30_000, 0),
    logLevel: logLevel(env.LOG_LEVEL),
  };
}
