// A local GitHub: the REST API (`{GITHUB_API}`: repos, contents, releases, core rate limits with x-ratelimit-*
// headers), raw file bytes (`{GITHUB_RAW}`) and the web pages links point at (`{GITHUB_WEB}`).
import { createHash } from 'node:crypto';
import {
  bytes,
  escapeXml,
  type FaultInjector,
  json,
  type RequestCounters,
  type SimRequest,
  type SimResponse,
  startServer,
  text,
} from './http';

export interface GitHubRelease {
  tag_name: string;
  name?: string;
  body?: string;
  /** ISO time; now when omitted. */
  published_at?: string;
  prerelease?: boolean;
  draft?: boolean;
}

export interface GitHubOptions {
  /** Core requests per window without a token (default 60). */
  unauthenticatedLimit?: number;
  /** Core requests per window with a token (default 5000). */
  authenticatedLimit?: number;
  /** Length of a rate-limit window (default one hour). */
  windowMs?: number;
  /** Tokens accepted; others get 401 Bad credentials. Any token is accepted when omitted. */
  tokens?: string[];
}

export interface RateLimitState {
  limit: number;
  remaining: number;
  used: number;
  /** Epoch seconds. */
  reset: number;
}

export interface GitHubSimulator {
  apiUrl: string;
  rawUrl: string;
  webUrl: string;
  api: RequestCounters & FaultInjector;
  raw: RequestCounters & FaultInjector;
  web: RequestCounters & FaultInjector;
  /** `owner/name`; files land on the default branch. */
  createRepo(fullName: string, options?: { defaultBranch?: string; files?: Record<string, string | Buffer> }): void;
  /** Adds or replaces files on `ref` (the default branch when omitted), then points each of `tags` at the result. */
  commit(fullName: string, files: Record<string, string | Buffer>, options?: { ref?: string; tags?: string[] }): void;
  addRelease(fullName: string, release: GitHubRelease): void;
  hasRepo(fullName: string): boolean;
  /** The budget of a token (or of unauthenticated requests when omitted), as the next response would report it. */
  rateLimit(token?: string): RateLimitState;
  /** Spends the whole remaining budget of a token (or of unauthenticated requests). */
  exhaustRateLimit(token?: string): void;
  /** The next `times` API requests meet a secondary rate limit: 403 or 429 with `retry-after`. */
  secondaryLimitNext(options?: { status?: 403 | 429; retryAfter?: number; times?: number }): void;
  close(): Promise<void>;
}

interface StoredRepo {
  owner: string;
  name: string;
  id: number;
  defaultBranch: string;
  refs: Map<string, Map<string, Buffer>>;
  releases: (GitHubRelease & { id: number; created: number })[];
}

interface Bucket {
  limit: number;
  used: number;
  resetAt: number;
}

const MAX_CONTENT_BYTES = 1024 * 1024;
const DEFAULT_PER_PAGE = 30;
const MAX_PER_PAGE = 100;

function blobSha(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function notFound(message = 'Not Found'): SimResponse {
  return json(404, { message, status: '404' });
}

function tokenOf(req: SimRequest): string | null {
  const match = /^(?:bearer|token)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match ? match[1]! : null;
}

export async function startGitHub(options: GitHubOptions = {}): Promise<GitHubSimulator> {
  const repos = new Map<string, StoredRepo>();
  const buckets = new Map<string, Bucket>();
  const windowMs = options.windowMs ?? 3_600_000;
  const tokens = options.tokens ? new Set(options.tokens) : null;
  let nextId = 1;
  let apiUrl = '';
  let rawUrl = '';
  let webUrl = '';

  function bucket(token: string | null): Bucket {
    const key = token === null ? 'anonymous' : `token:${token}`;
    const limit = token === null ? (options.unauthenticatedLimit ?? 60) : (options.authenticatedLimit ?? 5000);
    const now = Date.now();
    let state = buckets.get(key);
    if (!state || now >= state.resetAt) {
      state = { limit, used: 0, resetAt: now + windowMs };
      buckets.set(key, state);
    }
    return state;
  }

  function stateOf(b: Bucket): RateLimitState {
    return { limit: b.limit, remaining: Math.max(0, b.limit - b.used), used: b.used, reset: Math.ceil(b.resetAt / 1000) };
  }

  function rateHeaders(b: Bucket): Record<string, string | number> {
    const s = stateOf(b);
    return {
      'x-ratelimit-limit': s.limit,
      'x-ratelimit-remaining': s.remaining,
      'x-ratelimit-reset': s.reset,
      'x-ratelimit-used': s.used,
      'x-ratelimit-resource': 'core',
    };
  }

  function repoOf(owner: string, name: string): StoredRepo | undefined {
    return repos.get(`${owner}/${name}`.toLowerCase());
  }

  function mustRepo(fullName: string): StoredRepo {
    const [owner, name] = fullName.split('/');
    const repo = owner && name ? repoOf(owner, name) : undefined;
    if (!repo) throw new Error(`no repository ${fullName}`);
    return repo;
  }

  /** Rejects over-budget and badly authenticated API calls; counts the others. */
  function limitApi(req: SimRequest): SimResponse | undefined {
    if (req.path === '/rate_limit') return undefined;
    const token = tokenOf(req);
    if (token !== null && tokens && !tokens.has(token)) return json(401, { message: 'Bad credentials', status: '401' });
    const b = bucket(token);
    if (b.used >= b.limit) {
      const hint = token === null ? ' (But here\'s the good news: Authenticated requests get a higher rate limit.)' : '';
      return json(403, { message: `API rate limit exceeded for ${token === null ? '127.0.0.1' : 'this token'}.${hint}`, status: '403' });
    }
    b.used += 1;
    return undefined;
  }

  function repoJson(repo: StoredRepo) {
    const full = `${repo.owner}/${repo.name}`;
    return {
      id: repo.id,
      name: repo.name,
      full_name: full,
      private: false,
      owner: { login: repo.owner, type: 'User' },
      html_url: `${webUrl}/${full}`,
      url: `${apiUrl}/repos/${full}`,
      default_branch: repo.defaultBranch,
      archived: false,
      fork: false,
    };
  }

  function contentEntry(repo: StoredRepo, ref: string, path: string, content: Buffer | null) {
    const full = `${repo.owner}/${repo.name}`;
    const name = path.split('/').at(-1)!;
    const self = `${apiUrl}/repos/${full}/contents/${encodePath(path)}?ref=${encodeURIComponent(ref)}`;
    const sha = content ? blobSha(content) : createHash('sha1').update(`tree ${full} ${ref} ${path}`).digest('hex');
    const html = `${webUrl}/${full}/${content ? 'blob' : 'tree'}/${ref}/${encodePath(path)}`;
    return {
      type: content ? 'file' : 'dir',
      name,
      path,
      sha,
      size: content?.length ?? 0,
      url: self,
      html_url: html,
      git_url: `${apiUrl}/repos/${full}/git/${content ? 'blobs' : 'trees'}/${sha}`,
      download_url: content ? `${rawUrl}/${full}/${ref}/${encodePath(path)}` : null,
      _links: { self, git: `${apiUrl}/repos/${full}/git/blobs/${sha}`, html },
    };
  }

  function contents(repo: StoredRepo, rawPath: string, req: SimRequest): SimResponse {
    const ref = req.url.searchParams.get('ref') || repo.defaultBranch;
    const tree = repo.refs.get(ref);
    if (!tree) return notFound(`No commit found for the ref ${ref}`);
    const path = rawPath.replace(/^\/+|\/+$/g, '');
    const file = tree.get(path);
    if (file) {
      const large = file.length > MAX_CONTENT_BYTES;
      const content = large ? '' : (file.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + (file.length > 0 ? '\n' : '');
      return json(200, { ...contentEntry(repo, ref, path, file), encoding: large ? 'none' : 'base64', content });
    }
    const prefix = path === '' ? '' : `${path}/`;
    const children = new Map<string, Buffer | null>();
    for (const [filePath, content] of tree) {
      if (!filePath.startsWith(prefix)) continue;
      const [child, ...deeper] = filePath.slice(prefix.length).split('/');
      children.set(child!, deeper.length > 0 ? null : content);
    }
    if (children.size === 0) return notFound();
    const entries = [...children].sort(([a], [b]) => (a < b ? -1 : 1)).map(([child, content]) => contentEntry(repo, ref, `${prefix}${child}`, content));
    return json(200, entries);
  }

  function releases(repo: StoredRepo, req: SimRequest): SimResponse {
    const query = req.url.searchParams;
    const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Number(query.get('per_page')) || DEFAULT_PER_PAGE));
    const page = Math.max(1, Number(query.get('page')) || 1);
    const visible = repo.releases.filter((r) => !r.draft || tokenOf(req) !== null).toSorted((a, b) => b.created - a.created);
    const lastPage = Math.max(1, Math.ceil(visible.length / perPage));
    const pageUrl = (n: number) => `<${apiUrl}/repos/${repo.owner}/${repo.name}/releases?per_page=${perPage}&page=${n}>`;
    const links = [
      ...(page < lastPage ? [`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(lastPage)}; rel="last"`] : []),
      ...(page > 1 ? [`${pageUrl(page - 1)}; rel="prev"`, `${pageUrl(1)}; rel="first"`] : []),
    ];
    const body = visible.slice((page - 1) * perPage, page * perPage).map((r) => releaseJson(repo, r));
    return json(200, body, links.length > 0 ? { link: links.join(', ') } : {});
  }

  function releaseJson(repo: StoredRepo, r: StoredRepo['releases'][number]) {
    return {
      id: r.id,
      url: `${apiUrl}/repos/${repo.owner}/${repo.name}/releases/${r.id}`,
      html_url: `${webUrl}/${repo.owner}/${repo.name}/releases/tag/${encodeURIComponent(r.tag_name)}`,
      tag_name: r.tag_name,
      target_commitish: repo.defaultBranch,
      name: r.name ?? r.tag_name,
      body: r.body ?? '',
      draft: r.draft ?? false,
      prerelease: r.prerelease ?? false,
      created_at: new Date(r.created).toISOString(),
      published_at: r.draft ? null : (r.published_at ?? new Date(r.created).toISOString()),
    };
  }

  function handleApi(req: SimRequest): SimResponse | undefined {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { message: 'Method Not Allowed' });
    if (req.path === '/rate_limit') {
      const core = stateOf(bucket(tokenOf(req)));
      return json(200, { resources: { core }, rate: core });
    }
    const match = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(req.path);
    if (!match) return undefined;
    const repo = repoOf(decodeURIComponent(match[1]!), decodeURIComponent(match[2]!));
    if (!repo) return notFound();
    const rest = decodeURIComponent(match[3] ?? '');
    if (rest === '' || rest === '/') return json(200, repoJson(repo));
    if (rest === '/contents' || rest.startsWith('/contents/')) return contents(repo, rest.slice('/contents'.length), req);
    if (rest === '/releases') return releases(repo, req);
    if (rest === '/releases/latest') {
      const latest = repo.releases.filter((r) => !r.draft && !r.prerelease).at(-1);
      return latest ? json(200, releaseJson(repo, latest)) : notFound();
    }
    const byTag = /^\/releases\/tags\/(.+)$/.exec(rest);
    if (byTag) {
      const release = repo.releases.find((r) => r.tag_name === byTag[1] && !r.draft);
      return release ? json(200, releaseJson(repo, release)) : notFound();
    }
    return notFound();
  }

  function handleRaw(req: SimRequest): SimResponse | undefined {
    const match = /^\/([^/]+)\/([^/]+)\/(.+)$/.exec(decodeURIComponent(req.path));
    const repo = match && repoOf(match[1]!, match[2]!);
    if (!match || !repo) return text(404, '404: Not Found');
    const rest = match[3]!;
    // A ref may hold slashes: the longest ref the path starts with wins.
    const refs = [...repo.refs.keys()].filter((ref) => rest.startsWith(`${ref}/`)).sort((a, b) => b.length - a.length);
    for (const ref of refs) {
      const file = repo.refs.get(ref)!.get(rest.slice(ref.length + 1));
      if (file) return bytes(file, 'text/plain; charset=utf-8');
    }
    return text(404, '404: Not Found');
  }

  function handleWeb(req: SimRequest): SimResponse | undefined {
    const match = /^\/([^/]+)\/([^/]+)(?:\/(blob|tree)\/([^/]+)\/(.+)|\/releases(?:\/tag\/[^/]+)?)?\/?$/.exec(decodeURIComponent(req.path));
    const repo = match && repoOf(match[1]!, match[2]!);
    if (!match || !repo) return { status: 404, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><title>Page not found</title>' };
    const file = match[3] === 'blob' ? repo.refs.get(match[4]!)?.get(match[5]!) : undefined;
    if (match[3] === 'blob' && !file) return { status: 404, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><title>Page not found</title>' };
    const title = `${repo.owner}/${repo.name}`;
    const html = `<!DOCTYPE html><html><head><title>${escapeXml(title)}</title></head><body><h1>${escapeXml(title)}</h1>${file ? `<pre>${escapeXml(file.toString('utf8'))}</pre>` : ''}</body></html>`;
    return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
  }

  const api = await startServer({
    before: [limitApi],
    handlers: [handleApi],
    decorate: (req, response) => (response.status === 401 ? {} : rateHeaders(bucket(tokenOf(req)))),
  });
  const raw = await startServer({ handlers: [handleRaw] });
  const web = await startServer({ handlers: [handleWeb] });
  apiUrl = api.url;
  rawUrl = raw.url;
  webUrl = web.url;

  function commit(fullName: string, files: Record<string, string | Buffer>, commitOptions: { ref?: string; tags?: string[] } = {}) {
    const repo = mustRepo(fullName);
    const ref = commitOptions.ref ?? repo.defaultBranch;
    const tree = new Map(repo.refs.get(ref) ?? repo.refs.get(repo.defaultBranch) ?? []);
    for (const [path, content] of Object.entries(files)) tree.set(path.replace(/^\/+/, ''), Buffer.from(content));
    repo.refs.set(ref, tree);
    for (const tag of commitOptions.tags ?? []) repo.refs.set(tag, new Map(tree));
  }

  return {
    apiUrl,
    rawUrl,
    webUrl,
    api,
    raw,
    web,
    createRepo(fullName, repoOptions = {}) {
      const [owner, name] = fullName.split('/');
      if (!owner || !name) throw new Error(`not owner/name: ${fullName}`);
      if (repoOf(owner, name)) throw new Error(`${fullName} exists`);
      const defaultBranch = repoOptions.defaultBranch ?? 'main';
      repos.set(fullName.toLowerCase(), { owner, name, id: nextId++, defaultBranch, refs: new Map([[defaultBranch, new Map()]]), releases: [] });
      if (repoOptions.files) commit(fullName, repoOptions.files);
    },
    commit,
    addRelease(fullName, release) {
      const repo = mustRepo(fullName);
      const created = release.published_at ? Date.parse(release.published_at) : Date.now();
      repo.releases.push({ ...release, id: nextId++, created });
      if (!repo.refs.has(release.tag_name)) repo.refs.set(release.tag_name, new Map(repo.refs.get(repo.defaultBranch)));
    },
    hasRepo: (fullName) => repos.has(fullName.toLowerCase()),
    rateLimit: (token) => stateOf(bucket(token ?? null)),
    exhaustRateLimit(token) {
      const b = bucket(token ?? null);
      b.used = b.limit;
    },
    secondaryLimitNext({ status = 403, retryAfter = 60, times = 1 } = {}) {
      api.failNext(() => true, status, {
        retryAfter,
        times,
        body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', status: String(status) },
      });
    },
    async close() {
      await Promise.all([api.close(), raw.close(), web.close()]);
    },
  };
}
