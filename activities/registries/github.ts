// The forge fallback: repository files through the contents API and raw downloads, and release notes.
import { cappedBody, httpGet, readJson } from '../http/httpGet';

export interface ForgeConfig {
  apiUrl: string;
  rawUrl: string;
  /** The forge's web address, to recognise links into it. */
  webUrl: string | null;
  token: string | null;
  userAgent: string;
  maxBytes: number;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface ContentEntry {
  type: 'file' | 'dir' | 'symlink' | 'submodule';
  name: string;
  path: string;
  size: number;
  download_url: string | null;
}

export interface ForgeRelease {
  tag_name: string;
  name: string | null;
  body: string | null;
  published_at: string | null;
  prerelease: boolean;
  draft: boolean;
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** A repository on the configured forge, from a web URL (`<web>/o/r…`) or a `github:o/r` shorthand. */
export function repoOf(url: string, forge: Pick<ForgeConfig, 'webUrl'>): RepoRef | null {
  const shorthand = /^github:([\w.-]+)\/([\w.-]+)$/.exec(url);
  if (shorthand) return { owner: shorthand[1]!, repo: shorthand[2]! };
  if (!forge.webUrl) return null;
  const base = stripSlash(forge.webUrl);
  const normalized = url.replace(/^http:/, 'https:').replace(/^git\+/, '');
  if (!normalized.toLowerCase().startsWith(`${base.replace(/^http:/, 'https:').toLowerCase()}/`)) return null;
  const [owner, repo] = normalized.slice(base.length + 1).split(/[/#?]/);
  if (!owner || !repo) return null;
  return { owner, repo: repo.replace(/\.git$/, '') };
}

/** `<web>/o/r/blob/<ref>/<path>` → the raw file URL, so a declared changelog link can be downloaded. */
export function rawUrlOfBlobLink(link: string, forge: Pick<ForgeConfig, 'webUrl' | 'rawUrl'>): string | null {
  const repo = repoOf(link, forge);
  if (!repo || !forge.webUrl) return null;
  const rest = link.slice(stripSlash(forge.webUrl).length + 1).split(/[#?]/)[0]!.split('/');
  if (rest[2] !== 'blob' || rest.length < 5) return null;
  return `${stripSlash(forge.rawUrl)}/${repo.owner}/${repo.repo}/${rest.slice(3).join('/')}`;
}

function headers(forge: ForgeConfig): Record<string, string> {
  return forge.token ? { authorization: `Bearer ${forge.token}` } : {};
}

export async function listDirectory(forge: ForgeConfig, repo: RepoRef, dir: string, signal?: AbortSignal): Promise<ContentEntry[]> {
  const path = dir ? `/${dir.split('/').map(encodeURIComponent).join('/')}` : '';
  const url = `${stripSlash(forge.apiUrl)}/repos/${repo.owner}/${repo.repo}/contents${path}`;
  const response = await httpGet(url, { userAgent: forge.userAgent, accept: 'application/vnd.github+json', headers: headers(forge), ...(signal && { signal }) });
  const entries = await readJson<ContentEntry[] | ContentEntry>(response, url, forge.maxBytes);
  return Array.isArray(entries) ? entries : [];
}

/** Downloads a file; the token goes only to the forge itself, never to a host a package names. */
export async function downloadFile(forge: ForgeConfig | { userAgent: string }, url: string, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  const toForge = 'apiUrl' in forge && [forge.apiUrl, forge.rawUrl].some((base) => url.startsWith(`${stripSlash(base)}/`));
  const response = await httpGet(url, { userAgent: forge.userAgent, headers: toForge ? headers(forge) : {}, ...(signal && { signal }) });
  const chunks: Buffer[] = [];
  for await (const chunk of cappedBody(response, url, maxBytes)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function listReleases(forge: ForgeConfig, repo: RepoRef, signal?: AbortSignal): Promise<ForgeRelease[]> {
  const url = `${stripSlash(forge.apiUrl)}/repos/${repo.owner}/${repo.repo}/releases?per_page=100`;
  const response = await httpGet(url, { userAgent: forge.userAgent, accept: 'application/vnd.github+json', headers: headers(forge), ...(signal && { signal }) });
  const releases = await readJson<ForgeRelease[]>(response, url, forge.maxBytes);
  return Array.isArray(releases) ? releases.filter((r) => !r.draft) : [];
}

/** Release notes as one markdown changelog, newest first, so the changelog engine parses them like a file. */
export function releasesAsMarkdown(releases: ForgeRelease[]): string {
  return releases
    .map((r) => {
      const date = r.published_at ? ` (${r.published_at.slice(0, 10)})` : '';
      return `## ${r.tag_name}${date}\n\n${(r.body ?? '').trim()}\n`;
    })
    .join('\n');
}
