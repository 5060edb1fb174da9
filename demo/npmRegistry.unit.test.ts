import { createHash } from 'node:crypto';
import { readTar } from './archives';
import { type NpmRegistrySimulator, startNpmRegistry } from './npmRegistry';

let npm: NpmRegistrySimulator;
beforeAll(async () => {
  npm = await startNpmRegistry();
  await npm.publish({ name: 'left-pad', version: '1.0.0', time: '2026-01-02T00:00:00.000Z', repository: 'github:someone/left-pad', files: { 'CHANGELOG.md': '# 1.0.0\n' } });
  await npm.publish({ name: 'left-pad', version: '1.1.0', time: '2026-02-02T00:00:00.000Z', repository: 'github:someone/left-pad', deprecated: 'use padStart' });
  await npm.publish({
    name: '@scope/widget',
    version: '2.0.0',
    repository: { type: 'git', url: 'git+http://127.0.0.1/mono/repo.git', directory: 'packages/widget' },
  });
  await npm.publish({ name: 'ancient', version: '0.0.1', tarballRoot: 'ancient-0.0.1', files: { 'History.md': 'x' } });
});
afterAll(async () => {
  await npm.close();
});

type Packument = {
  _id: string;
  _rev: string;
  name: string;
  'dist-tags': { latest: string };
  versions: Record<string, { version: string; dist: { tarball: string; shasum: string; integrity: string }; repository?: unknown; deprecated?: string }>;
  time?: Record<string, string>;
  repository?: unknown;
  modified?: string;
  /** Set on a version document. */
  version?: string;
};

async function get(path: string, accept = 'application/json'): Promise<{ status: number; body: Packument; type: string | null }> {
  const response = await fetch(`${npm.url}${path}`, { headers: { accept } });
  return { status: response.status, body: (await response.json()) as Packument, type: response.headers.get('content-type') };
}

test('the full packument has revs, dist-tags, versions, times and the repository', async () => {
  const { status, body } = await get('/left-pad');
  expect(status).toBe(200);
  expect(body).toMatchObject({ _id: 'left-pad', name: 'left-pad', 'dist-tags': { latest: '1.1.0' }, repository: 'github:someone/left-pad' });
  expect(body._rev).toMatch(/^2-/);
  expect(body.time).toMatchObject({ created: '2026-01-02T00:00:00.000Z', '1.0.0': '2026-01-02T00:00:00.000Z', '1.1.0': '2026-02-02T00:00:00.000Z', modified: '2026-02-02T00:00:00.000Z' });
  expect(body.versions['1.1.0']!.deprecated).toBe('use padStart');
  expect(body.versions['1.0.0']!.repository).toBe('github:someone/left-pad');
});

test('the abbreviated packument lacks time and repository', async () => {
  const { body, type } = await get('/left-pad', 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8');
  expect(type).toContain('application/vnd.npm.install-v1+json');
  expect(body.time).toBeUndefined();
  expect(body.repository).toBeUndefined();
  expect(body.versions['1.0.0']!.repository).toBeUndefined();
  expect(body.versions['1.0.0']!.dist.tarball).toContain('/left-pad/-/left-pad-1.0.0.tgz');
  expect(body.modified).toBe('2026-02-02T00:00:00.000Z');
});

test('scoped names resolve both encoded and not, with an object repository and a directory', async () => {
  const encoded = await get('/@scope%2fwidget');
  const plain = await get('/@scope/widget');
  expect(encoded.status).toBe(200);
  expect(plain.body).toEqual(encoded.body);
  expect(encoded.body.repository).toEqual({ type: 'git', url: 'git+http://127.0.0.1/mono/repo.git', directory: 'packages/widget' });
  expect(encoded.body.versions['2.0.0']!.dist.tarball).toBe(`${npm.url}/@scope/widget/-/widget-2.0.0.tgz`);
});

test('a tarball holds package.json and the files under package/, matching its dist digests', async () => {
  const { body } = await get('/left-pad');
  const { dist } = body.versions['1.0.0']!;
  const response = await fetch(dist.tarball);
  const tarball = Buffer.from(await response.arrayBuffer());
  expect(createHash('sha1').update(tarball).digest('hex')).toBe(dist.shasum);
  expect(`sha512-${createHash('sha512').update(tarball).digest('base64')}`).toBe(dist.integrity);
  const files = await readTar(tarball);
  expect([...files.keys()]).toEqual(['package/package.json', 'package/CHANGELOG.md']);
  expect(JSON.parse(files.get('package/package.json')!.toString())).toMatchObject({ name: 'left-pad', version: '1.0.0' });
});

test('an old tarball may use another top folder', async () => {
  const files = await readTar(Buffer.from(await (await fetch(`${npm.url}/ancient/-/ancient-0.0.1.tgz`)).arrayBuffer()));
  expect([...files.keys()]).toContain('ancient-0.0.1/History.md');
});

test('a version or dist-tag document is served, unknown ones 404', async () => {
  expect((await get('/left-pad/latest')).body.version).toBe('1.1.0');
  expect((await get('/left-pad/1.0.0')).body.version).toBe('1.0.0');
  expect((await get('/@scope%2fwidget/2.0.0')).body.version).toBe('2.0.0');
  expect((await get('/left-pad/9.9.9')).status).toBe(404);
  expect((await get('/no-such-package')).status).toBe(404);
});

test('failTarball answers a tarball with a status until cleared, and hits are counted', async () => {
  const path = '/left-pad/-/left-pad-1.0.0.tgz';
  const before = npm.hits(path);
  npm.failTarball('left-pad', '1.0.0', 503);
  expect((await fetch(`${npm.url}${path}`)).status).toBe(503);
  expect((await fetch(`${npm.url}${path}`)).status).toBe(503);
  npm.failTarball('left-pad', '1.0.0', null);
  expect((await fetch(`${npm.url}${path}`)).status).toBe(200);
  expect(npm.hits(path) - before).toBe(3);
});

test('failNext fails the next matching requests, with Retry-After, then serves again', async () => {
  npm.failNext(/^\/left-pad$/, 429, { retryAfter: 3, times: 2 });
  const first = await fetch(`${npm.url}/left-pad`);
  expect(first.status).toBe(429);
  expect(first.headers.get('retry-after')).toBe('3');
  expect((await fetch(`${npm.url}/left-pad`)).status).toBe(429);
  expect((await fetch(`${npm.url}/left-pad`)).status).toBe(200);
  npm.failNext((req) => req.headers.accept === 'text/x-test', 500);
  expect((await fetch(`${npm.url}/left-pad`, { headers: { accept: 'text/x-test' } })).status).toBe(500);
});

test('writes are refused, and a version cannot be published twice', async () => {
  expect((await fetch(`${npm.url}/left-pad`, { method: 'PUT', body: '{}' })).status).toBe(405);
  await expect(npm.publish({ name: 'left-pad', version: '1.0.0' })).rejects.toThrow(/cannot publish over/);
});

test('the ping endpoint answers', async () => {
  expect((await fetch(`${npm.url}/-/ping`)).status).toBe(200);
});
