// A local npm registry: packuments and tarballs over HTTP, shaped as the real registry serves them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { npmTarball } from './archives';

export interface Release {
  name: string;
  version: string;
  /** Files at the package root, besides package.json. */
  files?: Record<string, string | Buffer>;
  description?: string;
  repository?: string | { type: string; url: string; directory?: string };
  /** Publish time; now when omitted. */
  time?: string;
  /** Serve this exact tarball instead of building one from `files`. */
  tarball?: Buffer;
  /** A tarball URL that is not served by this registry (to make downloads fail). */
  tarballUrl?: string;
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
  latest: string;
  repository: Release['repository'] | undefined;
}

export interface NpmRegistrySimulator {
  url: string;
  publish(release: Release): Promise<void>;
  /** Answers requests for this release's tarball with `status` (null: serve it again). */
  failTarball(name: string, version: string, status: number | null): void;
  /** How many times a path was requested. */
  hits(path: string): number;
  close(): Promise<void>;
}

function tarballBasename(name: string): string {
  return name.startsWith('@') ? name.split('/')[1]! : name;
}

export async function startNpmRegistry(): Promise<NpmRegistrySimulator> {
  const packages = new Map<string, StoredPackage>();
  const failing = new Map<string, number>();
  const hitCounts = new Map<string, number>();
  let baseUrl = '';

  function packument(pkg: StoredPackage, abbreviated: boolean) {
    const versions = Object.fromEntries([...pkg.versions].map(([v, stored]) => [v, stored.manifest]));
    const common = { name: pkg.name, 'dist-tags': { latest: pkg.latest }, versions };
    if (abbreviated) return { ...common, modified: pkg.time.modified };
    return {
      _id: pkg.name,
      _rev: `${pkg.rev}-${createHash('md5').update(`${pkg.name}${pkg.rev}`).digest('hex')}`,
      ...common,
      time: pkg.time,
      ...(pkg.repository !== undefined && { repository: pkg.repository }),
    };
  }

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hitCounts.set(path, (hitCounts.get(path) ?? 0) + 1);
    const send = (status: number, body: unknown, type = 'application/json') => {
      const data = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      res.writeHead(status, { 'content-type': type, 'content-length': data.length });
      res.end(data);
    };
    if (req.method !== 'GET') return send(405, { error: 'method not allowed' });
    const tarballMatch = /^\/((?:@[^/]+\/)?[^/@]+)\/-\/[^/]+-(\d[^/]*)\.tgz$/.exec(decodeURIComponent(path));
    if (tarballMatch) {
      const [, name, version] = tarballMatch as unknown as [string, string, string];
      const status = failing.get(`${name}@${version}`);
      if (status) return send(status, { error: 'simulated failure' });
      const stored = packages.get(name)?.versions.get(version);
      return stored ? send(200, stored.tarball, 'application/octet-stream') : send(404, { error: 'not found' });
    }
    const name = decodeURIComponent(path.slice(1));
    const pkg = packages.get(name);
    if (!pkg) return send(404, { error: 'Not found' });
    const abbreviated = (req.headers.accept ?? '').includes('application/vnd.npm.install-v1+json');
    return send(200, packument(pkg, abbreviated));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    async publish(release) {
      const time = release.time ?? new Date().toISOString();
      const pkg: StoredPackage = packages.get(release.name) ?? {
        name: release.name,
        rev: 0,
        versions: new Map(),
        time: { created: time },
        latest: release.version,
        repository: release.repository,
      };
      const manifest: Record<string, unknown> = {
        name: release.name,
        version: release.version,
        ...(release.description !== undefined && { description: release.description }),
        ...(release.repository !== undefined && { repository: release.repository }),
      };
      const tarball = release.tarball ?? (await npmTarball({ 'package.json': JSON.stringify(manifest, null, 2), ...release.files }));
      manifest.dist = {
        tarball: release.tarballUrl ?? `${baseUrl}/${release.name}/-/${tarballBasename(release.name)}-${release.version}.tgz`,
        shasum: createHash('sha1').update(tarball).digest('hex'),
        integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
      };
      pkg.versions.set(release.version, { manifest, tarball });
      pkg.time[release.version] = time;
      pkg.time.modified = time;
      pkg.latest = release.version;
      pkg.rev += 1;
      if (release.repository !== undefined) pkg.repository = release.repository;
      packages.set(release.name, pkg);
    },
    failTarball(name, version, status) {
      if (status === null) failing.delete(`${name}@${version}`);
      else failing.set(`${name}@${version}`, status);
    },
    hits: (p) => hitCounts.get(p) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
