// A local npm registry (`{NPM_REGISTRY}`: packuments and tarballs) and its replication feed (`{NPM_REPLICATE}`),
// sharing one state: every publish or unpublish is a change in the feed, and packument `_rev`s match its revs.
import { createHash } from 'node:crypto';
import { npmTarball, tarballUnder } from './archives';
import { type FaultInjector, json, type RequestCounters, type SimRequest, type SimResponse, startServer, type SimServer } from './http';
import { ChangesFeed } from './npmChanges';
import { startNpmReplicate } from './npmReplicate';

export type RepositoryField = string | { type: string; url: string; directory?: string };

export interface Release {
  name: string;
  version: string;
  /** Files at the package root, besides package.json. */
  files?: Record<string, string | Buffer>;
  description?: string;
  repository?: RepositoryField;
  /** Publish time; now when omitted. */
  time?: string;
  /** Serve this exact tarball instead of building one from `files`. */
  tarball?: Buffer;
  /** A tarball URL that is not served by this registry (to make downloads fail). */
  tarballUrl?: string;
  /** Top folder of the built tarball; `package` unless an old package used another. */
  tarballRoot?: string;
  deprecated?: string;
  /** The dist-tag this version gets; `latest` by default (a prerelease might go to `next`). */
  distTag?: string;
}

export interface Published {
  name: string;
  version: string;
  /** The packument's `_rev`, also the change's `changes[0].rev`. */
  rev: string;
  seq: number;
}

export interface NpmRegistrySimulator extends RequestCounters, FaultInjector {
  /** `{NPM_REGISTRY}`. */
  url: string;
  /** `{NPM_REPLICATE}`: a second server, with its own counters and faults. */
  replicateUrl: string;
  replicate: RequestCounters & FaultInjector;
  publish(release: Release): Promise<Published>;
  /** Removes the whole package: a `deleted: true` change; its packument and tarballs then 404. */
  unpublish(name: string): Published;
  /** A `_design/<name>` change in the feed, which is not a package. */
  injectDesignDoc(name?: string): Published;
  /** The feed's `update_seq` drops to `to`; earlier changes leave the feed and new ones follow from `to + 1`. */
  resetSequence(to?: number): void;
  /** The next `reads` packument reads of `name` serve the document as it was before its latest change. */
  staleReadsFor(name: string, reads: number): void;
  /** Packument reads serve each document as it was `ms` ago (0 turns the lag off). */
  lagPackuments(ms: number): void;
  /** Answers requests for this release's tarball with `status` (null: serve it again). */
  failTarball(name: string, version: string, status: number | null): void;
  updateSeq(): number;
  close(): Promise<void>;
}

interface StoredVersion {
  manifest: Record<string, unknown>;
  tarball: Buffer;
}

interface StoredPackage {
  name: string;
  rev: number;
  versions: Map<string, StoredVersion>;
  time: Record<string, string>;
  distTags: Record<string, string>;
  repository: RepositoryField | undefined;
  description: string | undefined;
  unpublished: boolean;
  /** The documents served at each rev, oldest first. */
  snapshots: Snapshot[];
}

interface Snapshot {
  rev: string;
  at: number;
  full: Record<string, unknown> | null;
  abbreviated: Record<string, unknown> | null;
}

const ABBREVIATED = 'application/vnd.npm.install-v1+json';
const ABBREVIATED_FIELDS = ['name', 'version', 'deprecated', 'dependencies', 'optionalDependencies', 'devDependencies', 'bin', 'engines', 'dist'];

export function revString(name: string, rev: number): string {
  return `${rev}-${createHash('md5').update(`${name}\0${rev}`).digest('hex')}`;
}

function tarballBasename(name: string): string {
  return name.startsWith('@') ? name.split('/')[1]! : name;
}

function snapshot(pkg: StoredPackage): Snapshot {
  const rev = revString(pkg.name, pkg.rev);
  if (pkg.unpublished) return { rev, at: Date.now(), full: null, abbreviated: null };
  const manifests = [...pkg.versions].map(([v, stored]) => [v, stored.manifest] as const);
  const common = { name: pkg.name, 'dist-tags': { ...pkg.distTags } };
  return {
    rev,
    at: Date.now(),
    full: {
      _id: pkg.name,
      _rev: rev,
      ...common,
      ...(pkg.description !== undefined && { description: pkg.description }),
      versions: Object.fromEntries(manifests),
      time: { ...pkg.time },
      ...(pkg.repository !== undefined && { repository: pkg.repository }),
    },
    abbreviated: {
      ...common,
      modified: pkg.time.modified,
      versions: Object.fromEntries(
        manifests.map(([v, m]) => [v, Object.fromEntries(Object.entries(m).filter(([k]) => ABBREVIATED_FIELDS.includes(k)))]),
      ),
    },
  };
}

/** `/@scope%2fname`, `/@scope/name`, `/name`, each optionally followed by `/<version or tag>` or `/-/<file>`. */
function parsePath(path: string): { name: string; rest: string[] } | null {
  const segments = decodeURIComponent(path).split('/').slice(1);
  if (segments.length === 0 || segments[0] === '') return null;
  const take = segments[0]!.startsWith('@') ? 2 : 1;
  const name = segments.slice(0, take).join('/');
  if (take === 2 && segments.length < 2) return null;
  return { name, rest: segments.slice(take) };
}

export async function startNpmRegistry(): Promise<NpmRegistrySimulator> {
  const packages = new Map<string, StoredPackage>();
  const feed = new ChangesFeed();
  const failingTarballs = new Map<string, number>();
  const staleReads = new Map<string, number>();
  let lagMs = 0;

  function servedSnapshot(pkg: StoredPackage): Snapshot | undefined {
    const stale = staleReads.get(pkg.name) ?? 0;
    if (stale > 0) {
      staleReads.set(pkg.name, stale - 1);
      return pkg.snapshots.at(-2);
    }
    if (lagMs > 0) return pkg.snapshots.findLast((s) => s.at <= Date.now() - lagMs);
    return pkg.snapshots.at(-1);
  }

  function handle(req: SimRequest): SimResponse {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'method not allowed' });
    if (req.path === '/-/ping') return json(200, {});
    const parsed = parsePath(req.path);
    if (!parsed) return json(404, { error: 'Not found' });
    const pkg = packages.get(parsed.name);
    const [first, file] = parsed.rest;
    if (first === '-' && file !== undefined) {
      const prefix = `${tarballBasename(parsed.name)}-`;
      const version = file.startsWith(prefix) && file.endsWith('.tgz') ? file.slice(prefix.length, -'.tgz'.length) : undefined;
      const status = version && failingTarballs.get(`${parsed.name}@${version}`);
      if (status) return json(status, { error: 'simulated failure' });
      const stored = version && !pkg?.unpublished ? pkg?.versions.get(version) : undefined;
      return stored ? { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: stored.tarball } : json(404, { error: 'Not found' });
    }
    if (!pkg || parsed.rest.length > 1) return json(404, { error: 'Not found' });
    const served = servedSnapshot(pkg);
    if (!served?.full || !served.abbreviated) return json(404, { error: 'Not found' });
    if (first !== undefined) {
      const versions = served.full.versions as Record<string, unknown>;
      const version = (served.full['dist-tags'] as Record<string, string>)[first] ?? first;
      const manifest = versions[version];
      return manifest ? json(200, manifest) : json(404, `version not found: ${first}`);
    }
    const abbreviated = (req.headers.accept ?? '').includes(ABBREVIATED);
    return abbreviated
      ? json(200, served.abbreviated, { 'content-type': ABBREVIATED })
      : json(200, served.full, { etag: `"${served.rev}"` });
  }

  const server: SimServer = await startServer({ handlers: [handle] });
  const replicate = await startNpmReplicate(feed);
  const baseUrl = server.url;

  function change(pkg: StoredPackage): Published {
    pkg.rev += 1;
    pkg.snapshots.push(snapshot(pkg));
    const rev = revString(pkg.name, pkg.rev);
    const { seq } = feed.record(pkg.name, rev, pkg.unpublished);
    return { name: pkg.name, version: pkg.distTags.latest ?? '', rev, seq };
  }

  return {
    url: baseUrl,
    replicateUrl: `${replicate.url}/registry`,
    replicate,
    failNext: server.failNext,
    delay: server.delay,
    hits: server.hits,
    requests: server.requests,
    async publish(release) {
      const time = release.time ?? new Date().toISOString();
      const existing = packages.get(release.name);
      const pkg: StoredPackage =
        existing && !existing.unpublished
          ? existing
          : {
              name: release.name,
              rev: existing?.rev ?? 0,
              versions: new Map(),
              time: { created: time },
              distTags: {},
              repository: undefined,
              description: undefined,
              unpublished: false,
              snapshots: existing?.snapshots ?? [],
            };
      if (pkg.versions.has(release.version)) throw new Error(`cannot publish over ${release.name}@${release.version}`);
      const manifest: Record<string, unknown> = {
        name: release.name,
        version: release.version,
        ...(release.description !== undefined && { description: release.description }),
        ...(release.repository !== undefined && { repository: release.repository }),
      };
      const packageJson = JSON.stringify(manifest, null, 2);
      const files = { 'package.json': packageJson, ...release.files };
      const tarball = release.tarball ?? (release.tarballRoot ? await tarballUnder(release.tarballRoot, files) : await npmTarball(files));
      manifest.dist = {
        tarball: release.tarballUrl ?? `${baseUrl}/${release.name}/-/${tarballBasename(release.name)}-${release.version}.tgz`,
        shasum: createHash('sha1').update(tarball).digest('hex'),
        integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
      };
      if (release.deprecated !== undefined) manifest.deprecated = release.deprecated;
      pkg.versions.set(release.version, { manifest, tarball });
      pkg.time[release.version] = time;
      pkg.time.modified = time;
      pkg.distTags[release.distTag ?? 'latest'] = release.version;
      if (release.repository !== undefined) pkg.repository = release.repository;
      if (release.description !== undefined) pkg.description = release.description;
      packages.set(release.name, pkg);
      return { ...change(pkg), version: release.version };
    },
    unpublish(name) {
      const pkg = packages.get(name);
      if (!pkg || pkg.unpublished) throw new Error(`${name} is not published`);
      pkg.unpublished = true;
      pkg.time = { ...pkg.time, modified: new Date().toISOString(), unpublished: new Date().toISOString() };
      return change(pkg);
    },
    injectDesignDoc(name = 'app') {
      const id = `_design/${name}`;
      const rev = revString(id, 1);
      return { name: id, version: '', rev, seq: feed.record(id, rev).seq };
    },
    resetSequence: (to = 0) => feed.reset(to),
    staleReadsFor: (name, reads) => staleReads.set(name, reads),
    lagPackuments(ms) {
      lagMs = ms;
    },
    failTarball(name, version, status) {
      if (status === null) failingTarballs.delete(`${name}@${version}`);
      else failingTarballs.set(`${name}@${version}`, status);
    },
    updateSeq: () => feed.updateSeq,
    async close() {
      await Promise.all([server.close(), replicate.close()]);
    },
  };
}
