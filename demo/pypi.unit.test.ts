import { createHash } from 'node:crypto';
import { readTar } from './archives';
import { normalizeName, type PypiSimulator, startPypi } from './pypi';

let pypi: PypiSimulator;
afterEach(async () => {
  await pypi.close();
});

function xmlRpcCall(method: string, params: string[]): string {
  return `<?xml version='1.0'?>\n<methodCall><methodName>${method}</methodName><params>${params.map((p) => `<param><value>${p}</value></param>`).join('')}</params></methodCall>`;
}

async function rpc(body: string): Promise<string> {
  const response = await fetch(`${pypi.url}/pypi`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
  expect(response.status).toBe(200);
  return response.text();
}

interface ProjectJson {
  info: { name: string; version: string; summary: string; home_page: string; download_url: string; project_urls: Record<string, string> | null; yanked: boolean };
  urls: { filename: string; packagetype: string; url: string; digests: { sha256: string }; size: number; upload_time_iso_8601: string; yanked: boolean }[];
  releases?: Record<string, unknown[]>;
}

describe('feeds and JSON', () => {
  beforeEach(async () => {
    pypi = await startPypi();
    await pypi.publish({ name: 'Django-Rest-Cache', version: '1.0.0', summary: 'Caching & more', time: '2026-11-27T10:00:00.000Z' });
    await pypi.publish({
      name: 'Django-Rest-Cache',
      version: '1.1.0',
      summary: 'Caching & more',
      homePage: 'http://127.0.0.1:1/o/r',
      projectUrls: { Changelog: 'http://127.0.0.1:1/o/r/blob/v1.1.0/CHANGES.rst', Source: 'http://127.0.0.1:1/o/r' },
      files: { 'CHANGES.rst': '1.1.0 (2026-11-28)\n------------------\n\n- Faster.\n' },
      wheel: true,
      time: '2026-11-28T10:00:00.000Z',
    });
    await pypi.publish({ name: 'aiohttp_retry', version: '2.0b1', time: '2026-11-28T11:00:00.000Z' });
  });

  test('updates.xml lists releases newest first as RSS 2.0 items', async () => {
    const response = await fetch(`${pypi.url}/rss/updates.xml`);
    const xml = await response.text();
    expect(response.headers.get('content-type')).toContain('xml');
    expect(xml).toContain('<rss xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">');
    const titles = [...xml.matchAll(/<item>\s*<title>([^<]*)<\/title>\s*<link>([^<]*)<\/link>\s*<description>([^<]*)<\/description>\s*<pubDate>([^<]*)<\/pubDate>/g)];
    expect(titles.map((m) => m[1])).toEqual(['aiohttp_retry 2.0b1', 'Django-Rest-Cache 1.1.0', 'Django-Rest-Cache 1.0.0']);
    expect(titles[1]![2]).toBe(`${pypi.url}/project/Django-Rest-Cache/1.1.0/`);
    expect(titles[1]![3]).toBe('Caching &amp; more');
    expect(titles[1]![4]).toBe('Sat, 28 Nov 2026 10:00:00 GMT');
  });

  test('updates.xml holds at most 100 items', async () => {
    for (let i = 0; i < 105; i++) await pypi.publish({ name: `pkg${i}`, version: '0.1', noSdist: true });
    const xml = await (await fetch(`${pypi.url}/rss/updates.xml`)).text();
    expect(xml.match(/<item>/g)).toHaveLength(100);
  });

  test('packages.xml lists new projects', async () => {
    const xml = await (await fetch(`${pypi.url}/rss/packages.xml`)).text();
    expect([...xml.matchAll(/<title>([^<]*) added to PyPI<\/title>/g)].map((m) => m[1])).toEqual(['aiohttp_retry', 'Django-Rest-Cache']);
  });

  test('an unchanged feed answers 304 to its ETag, a changed one 200 with a new ETag', async () => {
    const first = await fetch(`${pypi.url}/rss/updates.xml`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(`${pypi.url}/rss/updates.xml`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    await pypi.publish({ name: 'newcomer', version: '0.0.1' });
    const changed = await fetch(`${pypi.url}/rss/updates.xml`, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  test('the version JSON has info and files; the sdist it links unpacks to <name>-<version>/', async () => {
    const body = (await (await fetch(`${pypi.url}/pypi/Django-Rest-Cache/1.1.0/json`)).json()) as ProjectJson;
    expect(body.info).toMatchObject({
      name: 'Django-Rest-Cache',
      version: '1.1.0',
      summary: 'Caching & more',
      home_page: 'http://127.0.0.1:1/o/r',
      download_url: '',
      project_urls: { Changelog: 'http://127.0.0.1:1/o/r/blob/v1.1.0/CHANGES.rst', Source: 'http://127.0.0.1:1/o/r' },
      yanked: false,
    });
    expect(body.releases).toBeUndefined();
    expect(body.urls.map((u) => [u.filename, u.packagetype])).toEqual([
      ['django_rest_cache-1.1.0.tar.gz', 'sdist'],
      ['django_rest_cache-1.1.0-py3-none-any.whl', 'bdist_wheel'],
    ]);
    const sdist = body.urls[0]!;
    expect(sdist.url.startsWith(`${pypi.filesUrl}/packages/`)).toBe(true);
    expect(sdist.upload_time_iso_8601).toBe('2026-11-28T10:00:00.000000Z');
    const bytes = Buffer.from(await (await fetch(sdist.url)).arrayBuffer());
    expect(bytes.length).toBe(sdist.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sdist.digests.sha256);
    const files = await readTar(bytes);
    expect([...files.keys()]).toEqual(['django_rest_cache-1.1.0/PKG-INFO', 'django_rest_cache-1.1.0/CHANGES.rst']);
    expect(pypi.files.hits(new URL(sdist.url).pathname)).toBe(1);
  });

  test('the project JSON describes the latest release and lists every release', async () => {
    const body = (await (await fetch(`${pypi.url}/pypi/Django-Rest-Cache/json`)).json()) as ProjectJson;
    expect(body.info.version).toBe('1.1.0');
    expect(Object.keys(body.releases!)).toEqual(['1.0.0', '1.1.0']);
    expect(body.info.project_urls).not.toBeNull();
  });

  test('names are looked up per PEP 503 and redirected to the project name', async () => {
    expect(normalizeName('Django_Rest.Cache')).toBe('django-rest-cache');
    const redirect = await fetch(`${pypi.url}/pypi/django_rest.cache/json`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/pypi/Django-Rest-Cache/json');
    const followed = (await (await fetch(`${pypi.url}/pypi/django-rest-cache/1.0.0/json`)).json()) as ProjectJson;
    expect(followed.info.name).toBe('Django-Rest-Cache');
  });

  test('unknown projects and versions are 404', async () => {
    expect((await fetch(`${pypi.url}/pypi/nope/json`)).status).toBe(404);
    expect((await fetch(`${pypi.url}/pypi/aiohttp_retry/9.9/json`)).status).toBe(404);
  });

  test('a removed release leaves the JSON and shows in the journal; a yanked one is flagged', async () => {
    pypi.yank('aiohttp-retry', '2.0b1', 'broken');
    const yanked = (await (await fetch(`${pypi.url}/pypi/aiohttp_retry/2.0b1/json`)).json()) as ProjectJson;
    expect(yanked.info.yanked).toBe(true);
    expect(yanked.urls[0]!.yanked).toBe(true);
    pypi.removeRelease('Django-Rest-Cache', '1.0.0');
    expect((await fetch(`${pypi.url}/pypi/Django-Rest-Cache/1.0.0/json`)).status).toBe(404);
    const journal = await rpc(xmlRpcCall('changelog_since_serial', [`<int>${pypi.lastSerial() - 1}</int>`]));
    expect(journal).toContain('<string>remove release</string>');
  });

  test('changelog_since_serial answers [name, version, timestamp, action, serial] rows after a serial', async () => {
    const all = await rpc(xmlRpcCall('changelog_since_serial', ['<int>0</int>']));
    expect(all).toMatch(/^<\?xml version='1.0'\?>\n<methodResponse>\n<params>\n<param>\n<value><array><data>/);
    const rows = [...all.matchAll(/<value><array><data><value>(?:<string>([^<]*)<\/string>)<\/value><value>(?:<string>([^<]*)<\/string>|<nil\/>)<\/value><value><int>(\d+)<\/int><\/value><value><string>([^<]*)<\/string><\/value><value><int>(\d+)<\/int><\/value><\/data><\/array><\/value>/g)];
    expect(rows.map((r) => [r[1], r[2], r[4], Number(r[5])])).toEqual([
      ['Django-Rest-Cache', undefined, 'create', 1],
      ['Django-Rest-Cache', '1.0.0', 'new release', 2],
      ['Django-Rest-Cache', '1.0.0', 'add source file django_rest_cache-1.0.0.tar.gz', 3],
      ['Django-Rest-Cache', '1.1.0', 'new release', 4],
      ['Django-Rest-Cache', '1.1.0', 'add source file django_rest_cache-1.1.0.tar.gz', 5],
      ['Django-Rest-Cache', '1.1.0', 'add py3 file django_rest_cache-1.1.0-py3-none-any.whl', 6],
      ['aiohttp_retry', undefined, 'create', 7],
      ['aiohttp_retry', '2.0b1', 'new release', 8],
      ['aiohttp_retry', '2.0b1', 'add source file aiohttp_retry-2.0b1.tar.gz', 9],
    ]);
    expect(Number(rows[1]![3])).toBe(Date.parse('2026-11-27T10:00:00Z') / 1000);
    const later = await rpc(xmlRpcCall('changelog_since_serial', ['<int>8</int>']));
    expect(later.match(/<int>9<\/int>/g)).toHaveLength(1);
    expect(later).not.toContain('new release');
  });

  test('XML-RPC errors are faults: unknown method, bad params; GET is not allowed', async () => {
    expect(await rpc(xmlRpcCall('search', ['<string>x</string>']))).toMatch(/<fault>[\s\S]*<int>-32601<\/int>/);
    expect(await rpc(xmlRpcCall('changelog_since_serial', ['<string>12</string>']))).toMatch(/<fault>[\s\S]*<int>-32602<\/int>/);
    expect(await rpc('not xml')).toMatch(/<fault>/);
    expect((await fetch(`${pypi.url}/pypi`)).status).toBe(405);
  });

  test('faults can be injected on the API and on the files host', async () => {
    pypi.failNext('/rss/updates.xml', 503, { retryAfter: 2 });
    const failed = await fetch(`${pypi.url}/rss/updates.xml`);
    expect([failed.status, failed.headers.get('retry-after')]).toEqual([503, '2']);
    pypi.files.failNext(/\.tar\.gz$/, 500);
    const body = (await (await fetch(`${pypi.url}/pypi/aiohttp_retry/json`)).json()) as ProjectJson;
    expect((await fetch(body.urls[0]!.url)).status).toBe(500);
    expect((await fetch(body.urls[0]!.url)).status).toBe(200);
  });
});

test('XML-RPC over its rate limit answers a too-many-requests fault', async () => {
  pypi = await startPypi({ xmlRpcPerMinute: 2 });
  const call = xmlRpcCall('changelog_last_serial', []);
  expect(await rpc(call)).toContain('<int>0</int>');
  expect(await rpc(call)).not.toContain('<fault>');
  const limited = await rpc(call);
  expect(limited).toContain('<fault>');
  expect(limited).toMatch(/HTTPTooManyRequests: .*Limit may reset in \d+ seconds\./);
});
