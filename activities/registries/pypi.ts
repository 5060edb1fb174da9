// PyPI: the RSS feed of updates and the serial journal that discovery polls, and one release's JSON.
import { canonicalName, type ReleaseInfo } from '../../workflows/types';
import { XMLParser } from 'fast-xml-parser';
import { httpGet, httpRequest, readJson, UpstreamError } from '../http/httpGet';
import type { UpstreamClient } from './upstreamClient';

interface PypiFile {
  filename: string;
  packagetype: string;
  url: string;
  yanked?: boolean;
  upload_time_iso_8601?: string;
}

interface PypiRelease {
  info: {
    name: string;
    version: string;
    summary?: string | null;
    home_page?: string | null;
    project_urls?: Record<string, string> | null;
    yanked?: boolean;
  };
  urls?: PypiFile[];
  releases?: Record<string, PypiFile[]>;
}

/** PEP 503: runs of `-`, `_` and `.` become one `-`, lower case. */
export function normalizeProjectName(name: string): string {
  return canonicalName('pypi', name);
}

/** PEP 753: labels compare without punctuation and whitespace, lower-cased. */
export function normalizeLabel(label: string): string {
  return label.replace(/[\s\p{P}]+/gu, '').toLowerCase();
}

const CHANGELOG_LABELS = ['changelog', 'changes', 'whatsnew', 'history', 'releasenotes'];
const SOURCE_LABELS = ['source', 'repository', 'sourcecode', 'github', 'code'];

export function projectUrl(urls: Record<string, string> | null | undefined, labels: string[]): string | null {
  for (const label of labels) {
    for (const [key, value] of Object.entries(urls ?? {})) if (normalizeLabel(key) === label) return value;
  }
  return null;
}

async function getJson<T>(client: UpstreamClient, path: string, signal?: AbortSignal): Promise<T> {
  const url = `${client.baseUrl}${path}`;
  const response = await httpGet(url, { userAgent: client.userAgent, accept: 'application/json', ...(signal && { signal }) });
  return readJson<T>(response, url, client.maxBytes);
}

export async function resolvePypiRelease(client: UpstreamClient, name: string, version: string | undefined, signal?: AbortSignal): Promise<ReleaseInfo & { knownVersions: string[] }> {
  const project = await getJson<PypiRelease>(client, `/pypi/${encodeURIComponent(normalizeProjectName(name))}/json`, signal);
  const knownVersions = Object.keys(project.releases ?? {});
  const wanted = version ?? project.info.version;
  const release = wanted === project.info.version && project.urls ? project : await getJson<PypiRelease>(client, `/pypi/${encodeURIComponent(normalizeProjectName(name))}/${encodeURIComponent(wanted)}/json`, signal);
  if (!release.info) throw new UpstreamError(`${name} ${wanted} is not published`, 'not-found', 404);
  const files = release.urls ?? project.releases?.[wanted] ?? [];
  const sdist = files.find((f) => f.packagetype === 'sdist' && /\.tar\.gz$/.test(f.filename));
  const urls = release.info.project_urls;
  const repository = projectUrl(urls, SOURCE_LABELS) ?? release.info.home_page ?? null;
  return {
    registry: 'pypi',
    name,
    version: wanted,
    publishedAt: files[0]?.upload_time_iso_8601 ?? null,
    latestVersion: project.info.version,
    summary: release.info.summary ?? null,
    archive: sdist ? { url: sdist.url, kind: 'sdist' } : null,
    repository: repository ? { url: repository, directory: null } : null,
    changelogUrl: projectUrl(urls, CHANGELOG_LABELS),
    knownVersions,
  };
}

export interface FeedItem {
  name: string;
  version: string;
  publishedAt: string | null;
}

const xml = new XMLParser({ ignoreAttributes: true, parseTagValue: false, processEntities: true });

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** `rss/updates.xml`: items titled `<name> <version>`, newest first. */
export function parseUpdatesRss(body: string): FeedItem[] {
  let doc: { rss?: { channel?: { item?: { title?: string; pubDate?: string } | { title?: string; pubDate?: string }[] } } };
  try {
    doc = xml.parse(body);
  } catch (err) {
    throw new UpstreamError(`the updates feed is not valid XML: ${(err as Error).message}`, 'bad-response');
  }
  if (!doc.rss?.channel) throw new UpstreamError('the updates feed has no RSS channel', 'bad-response');
  return asArray(doc.rss.channel.item).flatMap((item) => {
    const match = /^(\S+)\s+(\S+)$/.exec(String(item.title ?? '').trim());
    if (!match) return [];
    const date = item.pubDate ? new Date(item.pubDate) : null;
    return [{ name: match[1]!, version: match[2]!, publishedAt: date && !Number.isNaN(date.getTime()) ? date.toISOString() : null }];
  });
}

export interface UpdatesFeed {
  items: FeedItem[];
  etag: string | null;
  notModified: boolean;
}

export async function readUpdatesFeed(client: UpstreamClient, etag: string | null, signal?: AbortSignal): Promise<UpdatesFeed> {
  const url = `${client.baseUrl}/rss/updates.xml`;
  const response = await httpRequest(url, {
    userAgent: client.userAgent,
    accept: 'application/rss+xml, text/xml',
    ...(etag && { headers: { 'if-none-match': etag } }),
    pass: [304],
    ...(signal && { signal }),
  });
  if (response.status === 304) {
    await response.body?.cancel().catch(() => undefined);
    return { items: [], etag, notModified: true };
  }
  return { items: parseUpdatesRss(await response.text()), etag: response.headers.get('etag'), notModified: false };
}

export interface JournalRow {
  name: string;
  version: string | null;
  timestamp: number;
  action: string;
  serial: number;
}

type XmlRpcValue = { string?: unknown; int?: unknown; i4?: unknown; array?: { data?: { value?: XmlRpcValue | XmlRpcValue[] } } } | string;

function rpcScalar(value: XmlRpcValue | undefined): string | number | null {
  if (value === undefined) return null;
  if (typeof value === 'string') return value;
  if (value.string !== undefined) return String(value.string);
  if (value.int !== undefined) return Number(value.int);
  if (value.i4 !== undefined) return Number(value.i4);
  return null;
}

async function xmlRpcCall(client: UpstreamClient, method: string, params: number[], signal?: AbortSignal): Promise<XmlRpcValue | undefined> {
  const url = `${client.baseUrl}/pypi`;
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params>${params
    .map((p) => `<param><value><int>${p}</int></value></param>`)
    .join('')}</params></methodCall>`;
  const response = await httpRequest(url, {
    method: 'POST',
    userAgent: client.userAgent,
    accept: 'text/xml',
    headers: { 'content-type': 'text/xml' },
    body,
    ...(signal && { signal }),
  });
  const doc = xml.parse(await response.text()) as { methodResponse?: { fault?: unknown; params?: { param?: { value?: XmlRpcValue } } } };
  if (!doc.methodResponse || doc.methodResponse.fault) throw new UpstreamError(`${url} answered ${method} with an XML-RPC fault`, 'bad-response');
  return doc.methodResponse.params?.param?.value;
}

/** XML-RPC `changelog_last_serial()`: where the journal stands now. */
export async function changelogLastSerial(client: UpstreamClient, signal?: AbortSignal): Promise<number> {
  const value = rpcScalar(await xmlRpcCall(client, 'changelog_last_serial', [], signal));
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new UpstreamError('changelog_last_serial did not return a number', 'bad-response');
  return value;
}

/** XML-RPC `changelog_since_serial(serial)`: rows `[name, version, timestamp, action, serial]`. */
export async function changelogSinceSerial(client: UpstreamClient, serial: number, signal?: AbortSignal): Promise<JournalRow[]> {
  const top = await xmlRpcCall(client, 'changelog_since_serial', [serial], signal);
  const rows = typeof top === 'object' ? asArray(top.array?.data?.value) : [];
  return rows.flatMap((row) => {
    const cells = typeof row === 'object' ? asArray(row.array?.data?.value).map(rpcScalar) : [];
    const [name, version, timestamp, action, rowSerial] = cells;
    if (typeof name !== 'string' || typeof action !== 'string' || typeof rowSerial !== 'number') return [];
    return [{ name, version: typeof version === 'string' ? version : null, timestamp: Number(timestamp), action, serial: rowSerial }];
  });
}
