// A local PyPI (`{PYPI}`: RSS feeds with ETags, the JSON API, XML-RPC `changelog_since_serial`) and its files host
// (`{PYPI_FILES}`: sdists unpacking to `<name>-<version>/`, wheels).
import { createHash } from 'node:crypto';
import { sdistTarball } from './archives';
import {
  bytes,
  escapeXml,
  type FaultInjector,
  json,
  type RequestCounters,
  type SimRequest,
  type SimResponse,
  SlidingWindowLimiter,
  startServer,
} from './http';
import { methodCall, xmlRpcFault, xmlRpcResponse } from './xmlRpc';

export interface PypiRelease {
  /** Display name; lookups normalise it per PEP 503. */
  name: string;
  version: string;
  summary?: string;
  homePage?: string;
  projectUrls?: Record<string, string>;
  /** Files of the sdist, paths relative to `<name>-<version>/`. */
  files?: Record<string, string | Buffer>;
  /** Also upload a (content-free) wheel. */
  wheel?: boolean;
  /** Upload no sdist (wheel only). */
  noSdist?: boolean;
  /** Upload time; now when omitted. */
  time?: string;
}

export interface PypiOptions {
  /** XML-RPC calls allowed per minute before a rate-limit fault (null: unlimited). Default 60 (~1/s). */
  xmlRpcPerMinute?: number | null;
}

export interface PypiSimulator extends RequestCounters, FaultInjector {
  url: string;
  /** `{PYPI_FILES}`: a second server, with its own counters and faults. */
  filesUrl: string;
  files: RequestCounters & FaultInjector;
  publish(release: PypiRelease): Promise<{ name: string; version: string; serial: number }>;
  /** `remove release` in the journal; the version's JSON then 404s. */
  removeRelease(name: string, version: string): void;
  yank(name: string, version: string, reason?: string): void;
  lastSerial(): number;
  close(): Promise<void>;
}

interface StoredFile {
  filename: string;
  packagetype: 'sdist' | 'bdist_wheel';
  url: string;
  content: Buffer;
  uploadedAt: string;
}

interface StoredRelease {
  release: PypiRelease;
  files: StoredFile[];
  uploadedAt: string;
  yanked: string | null;
}

interface StoredProject {
  name: string;
  createdAt: string;
  summary: string;
  releases: Map<string, StoredRelease>;
  lastSerial: number;
}

type JournalRow = [string, string | null, number, string, number];

export const RSS_UPDATES_SIZE = 100;
export const RSS_PACKAGES_SIZE = 40;
export const MAX_JOURNAL_ROWS = 50_000;
const EMPTY_ZIP = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array<number>(18).fill(0)]);

/** PEP 503. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** RFC 822 as Python's `formatdate(usegmt=True)` writes it. */
function rfc822(iso: string): string {
  return new Date(iso).toUTCString();
}

function rss(title: string, baseUrl: string, description: string, items: string[]): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">',
    '  <channel>',
    `    <title>${escapeXml(title)}</title>`,
    `    <link>${escapeXml(baseUrl)}/</link>`,
    `    <description>${escapeXml(description)}</description>`,
    '    <language>en</language>',
    ...items,
    '  </channel>',
    '</rss>',
    '',
  ].join('\n');
}

function rssItem(fields: Record<string, string>): string {
  const inner = Object.entries(fields).map(([k, v]) => `      <${k}>${escapeXml(v)}</${k}>`);
  return ['    <item>', ...inner, '    </item>'].join('\n');
}

/** 304 when the client already has this body (ETag / If-None-Match). */
function withEtag(req: SimRequest, body: string, type: string): SimResponse {
  const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
  const headers = { etag, 'content-type': type, 'cache-control': 'max-age=60, public' };
  const sent = (req.headers['if-none-match'] ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (sent.includes(etag) || sent.includes('*')) return { status: 304, headers };
  return { status: 200, headers, body };
}

export async function startPypi(options: PypiOptions = {}): Promise<PypiSimulator> {
  const projects = new Map<string, StoredProject>();
  const journal: JournalRow[] = [];
  const filesByPath = new Map<string, StoredFile>();
  const perMinute = options.xmlRpcPerMinute === undefined ? 60 : options.xmlRpcPerMinute;
  const xmlRpcLimiter = perMinute === null ? null : new SlidingWindowLimiter(perMinute, 60_000);
  let serial = 0;
  let baseUrl = '';

  function record(name: string, version: string | null, action: string, at: string): number {
    serial += 1;
    journal.push([name, version, Math.floor(Date.parse(at) / 1000), action, serial]);
    return serial;
  }

  function fileJson(file: StoredFile, yanked: string | null) {
    const digest = (alg: string) => createHash(alg).update(file.content).digest('hex');
    return {
      comment_text: '',
      digests: { blake2b_256: digest('sha256'), md5: digest('md5'), sha256: digest('sha256') },
      downloads: -1,
      filename: file.filename,
      has_sig: false,
      md5_digest: digest('md5'),
      packagetype: file.packagetype,
      python_version: file.packagetype === 'sdist' ? 'source' : 'py3',
      requires_python: '>=3.9',
      size: file.content.length,
      upload_time: file.uploadedAt.slice(0, 19),
      upload_time_iso_8601: file.uploadedAt.replace(/(\.\d{3})?Z$/, '.000000Z'),
      url: file.url,
      yanked: yanked !== null,
      yanked_reason: yanked,
    };
  }

  function infoJson(project: StoredProject, stored: StoredRelease) {
    const r = stored.release;
    return {
      author: '',
      author_email: '',
      classifiers: [],
      description: r.summary ?? '',
      description_content_type: 'text/markdown',
      docs_url: null,
      download_url: '',
      home_page: r.homePage ?? '',
      keywords: '',
      license: 'MIT',
      maintainer: '',
      maintainer_email: '',
      name: project.name,
      package_url: `${baseUrl}/project/${project.name}/`,
      platform: null,
      project_url: `${baseUrl}/project/${project.name}/`,
      project_urls: r.projectUrls && Object.keys(r.projectUrls).length > 0 ? r.projectUrls : null,
      release_url: `${baseUrl}/project/${project.name}/${r.version}/`,
      requires_dist: null,
      requires_python: '>=3.9',
      summary: r.summary ?? '',
      version: r.version,
      yanked: stored.yanked !== null,
      yanked_reason: stored.yanked,
    };
  }

  function latestOf(project: StoredProject): StoredRelease | undefined {
    const all = [...project.releases.values()];
    return all.findLast((r) => r.yanked === null) ?? all.at(-1);
  }

  function projectJson(rawName: string, version: string | undefined): SimResponse {
    const project = projects.get(normalizeName(rawName));
    if (!project) return json(404, { message: 'Not Found' });
    if (rawName !== project.name) {
      const location = `/pypi/${project.name}/${version === undefined ? '' : `${version}/`}json`;
      return { status: 301, headers: { location, 'content-type': 'text/plain' }, body: `301 Moved Permanently: ${location}` };
    }
    const stored = version === undefined ? latestOf(project) : project.releases.get(version);
    if (!stored) return json(404, { message: 'Not Found' });
    const headers = { 'x-pypi-last-serial': project.lastSerial };
    const body = {
      info: infoJson(project, stored),
      last_serial: project.lastSerial,
      ...(version === undefined && {
        releases: Object.fromEntries([...project.releases].map(([v, r]) => [v, r.files.map((f) => fileJson(f, r.yanked))])),
      }),
      urls: stored.files.map((f) => fileJson(f, stored.yanked)),
      vulnerabilities: [],
    };
    return json(200, body, headers);
  }

  function updatesFeed(req: SimRequest): SimResponse {
    const releases = [...projects.values()]
      .flatMap((p) => [...p.releases.values()].map((r) => ({ project: p, release: r })))
      .sort((a, b) => b.release.uploadedAt.localeCompare(a.release.uploadedAt))
      .slice(0, RSS_UPDATES_SIZE);
    const items = releases.map(({ project, release }) =>
      rssItem({
        title: `${project.name} ${release.release.version}`,
        link: `${baseUrl}/project/${project.name}/${release.release.version}/`,
        description: release.release.summary ?? '',
        pubDate: rfc822(release.uploadedAt),
      }),
    );
    return withEtag(req, rss('PyPI recent updates', baseUrl, 'Recent updates to the Python Package Index', items), 'text/xml; charset=UTF-8');
  }

  function packagesFeed(req: SimRequest): SimResponse {
    const newest = [...projects.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, RSS_PACKAGES_SIZE);
    const items = newest.map((p) =>
      rssItem({
        title: `${p.name} added to PyPI`,
        link: `${baseUrl}/project/${p.name}/`,
        guid: `${baseUrl}/project/${p.name}/`,
        description: p.summary,
        pubDate: rfc822(p.createdAt),
      }),
    );
    return withEtag(req, rss('PyPI newest packages', baseUrl, 'Newest packages registered at the Python Package Index', items), 'text/xml; charset=UTF-8');
  }

  function xmlRpc(req: SimRequest): SimResponse {
    const xml = { 'content-type': 'text/xml' };
    const wait = xmlRpcLimiter?.take() ?? null;
    if (wait !== null) {
      const message = `HTTPTooManyRequests: The action could not be performed because there were too many requests by the client. Limit may reset in ${wait} seconds.`;
      return { status: 200, headers: xml, body: xmlRpcFault(-32500, message) };
    }
    const call = methodCall(req.body.toString('utf8'));
    if (!call) return { status: 200, headers: xml, body: xmlRpcFault(-32700, 'parse error; not well formed') };
    if (call.method === 'changelog_last_serial') return { status: 200, headers: xml, body: xmlRpcResponse(serial) };
    if (call.method !== 'changelog_since_serial') {
      return { status: 200, headers: xml, body: xmlRpcFault(-32601, `server error; requested method not found: ${call.method}`) };
    }
    const since = call.params[0];
    if (typeof since !== 'number' || call.params.length !== 1) {
      return { status: 200, headers: xml, body: xmlRpcFault(-32602, 'server error; invalid method params') };
    }
    const rows = journal.filter((row) => row[4] > since).slice(0, MAX_JOURNAL_ROWS);
    return { status: 200, headers: xml, body: xmlRpcResponse(rows) };
  }

  function handle(req: SimRequest): SimResponse | undefined {
    const path = decodeURIComponent(req.path);
    if (path === '/pypi' || path === '/pypi/' || path === '/RPC2') {
      if (req.method !== 'POST') return { status: 405, headers: { allow: 'POST', 'content-type': 'text/plain' }, body: 'Method Not Allowed' };
      return xmlRpc(req);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { message: 'Method Not Allowed' });
    if (path === '/rss/updates.xml') return updatesFeed(req);
    if (path === '/rss/packages.xml') return packagesFeed(req);
    const api = /^\/pypi\/([^/]+)\/(?:([^/]+)\/)?json\/?$/.exec(path);
    if (api) return projectJson(api[1]!, api[2]);
    return undefined;
  }

  const server = await startServer({ handlers: [handle] });
  const filesServer = await startServer({
    handlers: [
      (req) => {
        const file = filesByPath.get(req.path);
        if (!file) return undefined;
        return bytes(file.content, file.packagetype === 'sdist' ? 'application/x-tar' : 'application/zip');
      },
    ],
  });
  baseUrl = server.url;

  async function upload(filename: string, packagetype: StoredFile['packagetype'], content: Buffer, at: string): Promise<StoredFile> {
    const hash = createHash('sha256').update(content).update(filename).digest('hex');
    const path = `/packages/${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash.slice(4, 60)}/${filename}`;
    const file: StoredFile = { filename, packagetype, url: `${filesServer.url}${path}`, content, uploadedAt: at };
    filesByPath.set(path, file);
    return file;
  }

  return {
    url: server.url,
    filesUrl: filesServer.url,
    files: filesServer,
    failNext: server.failNext,
    delay: server.delay,
    hits: server.hits,
    requests: server.requests,
    async publish(release) {
      const at = release.time ?? new Date().toISOString();
      const key = normalizeName(release.name);
      let project = projects.get(key);
      if (!project) {
        project = { name: release.name, createdAt: at, summary: release.summary ?? '', releases: new Map(), lastSerial: 0 };
        projects.set(key, project);
        record(project.name, null, 'create', at);
      }
      if (project.releases.has(release.version)) throw new Error(`${release.name} ${release.version} already exists`);
      const distName = project.name.replace(/[-_.]+/g, '_').toLowerCase();
      const files: StoredFile[] = [];
      if (!release.noSdist) {
        const filename = `${distName}-${release.version}.tar.gz`;
        const sdist = await sdistTarball(distName, release.version, {
          'PKG-INFO': `Metadata-Version: 2.4\nName: ${project.name}\nVersion: ${release.version}\nSummary: ${release.summary ?? ''}\n`,
          ...release.files,
        });
        files.push(await upload(filename, 'sdist', sdist, at));
      }
      if (release.wheel || release.noSdist) {
        files.push(await upload(`${distName}-${release.version}-py3-none-any.whl`, 'bdist_wheel', EMPTY_ZIP, at));
      }
      project.releases.set(release.version, { release, files, uploadedAt: at, yanked: null });
      record(project.name, release.version, 'new release', at);
      for (const file of files) {
        record(project.name, release.version, file.packagetype === 'sdist' ? `add source file ${file.filename}` : `add py3 file ${file.filename}`, at);
      }
      project.lastSerial = serial;
      return { name: project.name, version: release.version, serial };
    },
    removeRelease(name, version) {
      const project = projects.get(normalizeName(name));
      if (!project?.releases.delete(version)) throw new Error(`${name} ${version} is not published`);
      project.lastSerial = record(project.name, version, 'remove release', new Date().toISOString());
    },
    yank(name, version, reason = '') {
      const project = projects.get(normalizeName(name));
      const stored = project?.releases.get(version);
      if (!project || !stored) throw new Error(`${name} ${version} is not published`);
      stored.yanked = reason;
      project.lastSerial = record(project.name, version, 'yank release', new Date().toISOString());
    },
    lastSerial: () => serial,
    async close() {
      await Promise.all([server.close(), filesServer.close()]);
    },
  };
}
