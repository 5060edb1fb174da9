// The pages, as HTML: one function per page, given what was read for it. Every value is escaped by `html`
// except changelog HTML, which the crawl sanitized when it parsed the file.
import type { EntryRow, PackageRow } from '../resolvers/package';
import type { CrawlRow } from '../resolvers/crawls';
import { type Html, html, trusted } from './html';
import { entryAnchor, packagePath, temporalWorkflowUrl } from './paths';

export const REGISTRY_LABELS: Record<string, string> = { npm: 'npm', rubygems: 'RubyGems', pypi: 'PyPI' };

export interface Layout {
  title: string;
  /** `data-page` of the body: what the script enhances. */
  page: 'home' | 'package' | 'changes' | 'not-found' | 'crawl-started' | 'error';
  /** Further data attributes of the body for the script. */
  data?: Record<string, string>;
  feeds?: { title: string; href: string }[];
  description?: string;
}

/** What links to a crawl's workflow need. */
export interface TemporalUi {
  url: string | null;
  namespace: string;
}

export function layout(page: Layout, main: Html, aside?: Html): Html {
  const data = Object.entries(page.data ?? {}).map(([key, value]) => html` data-${key}="${value}"`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
${page.description ? html`<meta name="description" content="${page.description}">` : null}
<link rel="stylesheet" href="/style.css">
${(page.feeds ?? []).map((feed) => html`<link rel="alternate" type="application/atom+xml" title="${feed.title}" href="${feed.href}">\n`)}<script src="/app.js" defer></script>
</head>
<body data-page="${page.page}"${data}>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
<a class="brand" href="/">Changelogs</a>
<nav aria-label="Site">
<ul>
<li><a href="/">Search</a></li>
<li><a href="/upgrade">Upgrade report</a></li>
<li><a href="/feed.atom">Feed</a></li>
</ul>
</nav>
</header>
<div class="layout${aside ? ' with-aside' : ''}">
<main id="main" tabindex="-1">
${main}
</main>
${aside ?? null}
</div>
<footer class="site"><p>Changelogs of npm, RubyGems and PyPI releases, crawled as they are published. <a href="/feed.atom">Atom feed of recent changelogs</a>.</p></footer>
</body>
</html>
`;
}

/** A moment, written in UTC on the server; the script rewrites it in the reader's time zone. */
export function time(at: Date): Html {
  const iso = at.toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

const OUTCOME_LABELS: Record<string, string> = {
  found: 'found',
  not_found: 'no changelog',
  rejected: 'rejected',
  not_published: 'not published',
  failed: 'failed',
  cancelled: 'cancelled',
};

function outcomeBadge(outcome: string): Html {
  return html`<span class="badge outcome-${outcome}">${OUTCOME_LABELS[outcome] ?? outcome}</span>`;
}

export function streamItem(crawl: Pick<CrawlRow, 'registry' | 'name' | 'version' | 'outcome' | 'workflow_id' | 'finished_at'>): Html {
  return html`<li data-workflow="${crawl.workflow_id}" data-outcome="${crawl.outcome}">${outcomeBadge(crawl.outcome)} <a href="${packagePath(crawl.registry, crawl.name)}">${crawl.name}@${crawl.version}</a> <span class="muted">${REGISTRY_LABELS[crawl.registry] ?? crawl.registry} · ${time(crawl.finished_at)}</span></li>`;
}

function registrySelect(selected: string | null): Html {
  const options = Object.entries(REGISTRY_LABELS).map(([value, label]) => html`<option value="${value}"${value === selected ? html` selected` : null}>${label}</option>`);
  return html`<select name="registry" id="search-registry"><option value="">all registries</option>${options}</select>`;
}

export interface SearchResult {
  row: PackageRow;
  match: string;
}

export function homePage(view: {
  query: string;
  registry: string | null;
  results: SearchResult[] | null;
  nextHref: string | null;
  crawls: CrawlRow[];
  /** Rows the stream always has (empty ones kept for crawls to come), so that it never changes size. */
  streamRows: number;
  streamCursor: string;
}): Html {
  const results =
    view.results === null
      ? null
      : html`<section class="results" aria-labelledby="results-heading">
<h2 id="results-heading">Packages matching “${view.query}”</h2>
${view.results.length === 0
  ? html`<p>No package matches. A package appears here once a release of it has been crawled.</p>`
  : html`<ul class="plain results-list">
${view.results.map(({ row, match }) => html`<li><a href="${packagePath(row.registry, row.name)}">${row.name}</a> <span class="badge">${REGISTRY_LABELS[row.registry] ?? row.registry}</span>${row.latest_version ? html` <span class="muted">${row.latest_version}</span>` : null}${match === 'SIMILAR' ? html` <span class="muted">(similar name)</span>` : null}${row.summary ? html`<br><span class="summary">${row.summary}</span>` : null}</li>\n`)}</ul>`}
${view.nextHref ? html`<p><a href="${view.nextHref}" rel="next">More results</a></p>` : null}
</section>`;
  const main = html`<h1>Changelogs</h1>
<p class="lead">Search the changelogs of npm, RubyGems and PyPI packages, crawled as each release is published.</p>
<form role="search" action="/" method="get" class="search">
<label for="search-registry" class="visually-hidden">Registry</label>
${registrySelect(view.registry)}
<label for="search-query" class="visually-hidden">Search</label>
<input type="search" name="q" id="search-query" value="${view.query}" placeholder="search packages, summaries and changelogs" required maxlength="200">
<button>Search</button>
</form>
${results}`;
  const aside = html`<aside class="stream" aria-labelledby="stream-heading">
<h2 id="stream-heading">Live crawls <span id="stream-status" class="muted" role="status">recent</span></h2>
<ol id="stream" class="plain" data-after="${view.streamCursor}">
${view.crawls.slice(0, view.streamRows).map((crawl) => html`${streamItem(crawl)}\n`)}${Array.from({ length: Math.max(0, view.streamRows - view.crawls.length) }, () => html`<li class="empty" aria-hidden="true"></li>\n`)}</ol>
</aside>`;
  return layout(
    {
      title: view.results === null ? 'Changelogs' : `“${view.query}” · Changelogs`,
      page: 'home',
      feeds: [{ title: 'Recent changelogs', href: '/feed.atom' }],
      description: 'Changelogs of npm, RubyGems and PyPI packages, crawled as each release is published.',
    },
    main,
    aside,
  );
}

const MARKED_SECTIONS = ['breaking', 'security'] as const;

function entryBadges(entry: EntryRow): Html[] {
  const kinds = new Set(entry.sections.map((s) => s.kind));
  return [
    ...MARKED_SECTIONS.filter((kind) => kinds.has(kind)).map((kind) => html` <strong class="badge section-${kind}">${kind === 'breaking' ? 'breaking' : 'security'}</strong>`),
    entry.yanked ? html` <span class="badge">yanked</span>` : null,
    entry.prerelease ? html` <span class="badge">prerelease</span>` : null,
  ].filter((b): b is Html => b !== null);
}

/** Each entry's anchor: `v<version>`, with a suffix when a changelog repeats a version. */
export function entryAnchors(entries: EntryRow[]): string[] {
  const seen = new Map<string, number>();
  return entries.map((entry) => {
    const base = entryAnchor(entry.unreleased ? null : entry.version);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}-${count + 1}`;
  });
}

/** Entries as articles, each with its anchor. */
export function entryArticles(entries: EntryRow[]): Html[] {
  const anchors = entryAnchors(entries);
  return entries.map((entry, i) => {
    const anchor = anchors[i]!;
    const heading = entry.version ?? 'Unreleased';
    return html`<article class="entry" id="${anchor}" aria-labelledby="${anchor}-heading">
<h3 id="${anchor}-heading"><a class="anchor" href="#${anchor}">${heading}</a>${entry.title && !entry.title.includes(heading) ? html` <span class="entry-title">${entry.title}</span>` : null}${entry.date ? html` <time datetime="${entry.date}">${entry.date}</time>` : null}${entryBadges(entry)}</h3>
<div class="entry-body">${trusted(entry.html)}</div>
</article>
`;
  });
}

function crawlTable(crawls: CrawlRow[], ui: TemporalUi): Html {
  if (crawls.length === 0) return html`<p>No crawl recorded yet.</p>`;
  const rows = crawls.map((crawl) => {
    const workflow = ui.url
      ? html`<a href="${temporalWorkflowUrl(ui.url, ui.namespace, crawl.workflow_id, crawl.run_id)}" class="workflow">${crawl.workflow_id}</a>`
      : html`<code>${crawl.workflow_id}</code>`;
    return html`<tr><td>${crawl.version}</td><td>${outcomeBadge(crawl.outcome)}</td><td>${crawl.error ?? ''}</td><td>${time(crawl.finished_at)}</td><td>${workflow}</td></tr>\n`;
  });
  return html`<div class="table-scroll" tabindex="0" role="region" aria-labelledby="crawls-heading"><table class="crawls">
<thead><tr><th scope="col">Version</th><th scope="col">Outcome</th><th scope="col">Reason</th><th scope="col">Finished</th><th scope="col">Workflow</th></tr></thead>
<tbody>
${rows}</tbody>
</table></div>`;
}

function packageHeading(pkg: PackageRow): Html {
  return html`<h1>${pkg.name} <span class="badge registry">${REGISTRY_LABELS[pkg.registry] ?? pkg.registry}</span></h1>
${pkg.summary ? html`<p class="lead">${pkg.summary}</p>` : null}`;
}

function packageData(pkg: PackageRow): Record<string, string> {
  return { registry: pkg.registry, name: pkg.name };
}

export function packagePage(view: { pkg: PackageRow; entries: EntryRow[]; crawls: CrawlRow[]; ui: TemporalUi; streamCursor: string }): Html {
  const { pkg, entries } = view;
  const feed = packagePath(pkg.registry, pkg.name, 'atom');
  const changelog = pkg.changelog_file
    ? html`<p class="muted">From ${pkg.changelog_source_url ? html`<a href="${pkg.changelog_source_url}">${pkg.changelog_file}</a>` : pkg.changelog_file}${pkg.changelog_version ? html` of ${pkg.changelog_version}` : null}; ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}.</p>
${entries.length > 1 ? html`<details class="toc"><summary>Versions</summary><ul class="plain versions">${entryAnchors(entries).map((anchor, i) => html`<li><a href="#${anchor}">${entries[i]!.version ?? 'Unreleased'}</a></li>`)}</ul></details>` : null}
<div class="entries">
${entryArticles(entries)}</div>`
    : html`<p>No changelog found in the releases crawled so far.</p>`;
  const main = html`${packageHeading(pkg)}
<dl class="facts">
<dt>Registry</dt><dd>${REGISTRY_LABELS[pkg.registry] ?? pkg.registry}</dd>
<dt>Latest version</dt><dd>${pkg.latest_version ?? 'unknown'}</dd>
</dl>
<p class="actions"><a href="${packagePath(pkg.registry, pkg.name, 'changes')}">What changed between two versions</a> · <a href="${feed}">Atom feed of new entries</a></p>
<p id="live" class="live-slot muted" role="status" aria-live="polite"></p>
<section aria-labelledby="changelog-heading">
<h2 id="changelog-heading">Changelog</h2>
${changelog}
</section>
<section aria-labelledby="crawls-heading">
<h2 id="crawls-heading">Crawl history</h2>
${crawlTable(view.crawls, view.ui)}
</section>`;
  return layout(
    {
      title: `${pkg.name} (${REGISTRY_LABELS[pkg.registry] ?? pkg.registry}) changelog · Changelogs`,
      page: 'package',
      data: { ...packageData(pkg), after: view.streamCursor },
      feeds: [{ title: `${pkg.name}: new changelog entries`, href: feed }],
      description: pkg.summary ?? `The changelog of ${pkg.name}`,
    },
    main,
  );
}

export function changesPage(view: { pkg: PackageRow; versions: string[]; from: string; to: string; entries: EntryRow[] | null; error: string | null }): Html {
  const { pkg } = view;
  const marked = (kind: string) => (view.entries ?? []).filter((e) => e.sections.some((s) => s.kind === kind));
  const summaryOf = (kind: 'breaking' | 'security', label: string) => {
    const list = marked(kind);
    return list.length === 0
      ? null
      : html`<p class="marked marked-${kind}"><strong>${label}:</strong> ${list.map((e, i) => html`${i ? ', ' : ''}<a href="#${entryAnchor(e.version)}">${e.version}</a>`)}</p>`;
  };
  const result =
    view.error !== null
      ? html`<p class="error" role="alert">${view.error}</p>`
      : view.entries === null
        ? null
        : html`<section aria-labelledby="changes-heading">
<h2 id="changes-heading">${view.entries.length} ${view.entries.length === 1 ? 'entry' : 'entries'} after ${view.from || 'the first release'}, up to ${view.to || 'the latest'}</h2>
${summaryOf('breaking', 'Breaking changes in')}
${summaryOf('security', 'Security fixes in')}
<div class="entries">
${entryArticles(view.entries)}</div>
</section>`;
  const main = html`${packageHeading(pkg)}
<p><a href="${packagePath(pkg.registry, pkg.name)}">The whole changelog</a></p>
<form action="${packagePath(pkg.registry, pkg.name, 'changes')}" method="get" class="range">
<label for="changes-from">After version</label>
<input name="from" id="changes-from" value="${view.from}" maxlength="64" list="changes-versions" autocomplete="off">
<label for="changes-to">up to version</label>
<input name="to" id="changes-to" value="${view.to}" maxlength="64" list="changes-versions" autocomplete="off">
<datalist id="changes-versions">${view.versions.map((v) => html`<option value="${v}"></option>`)}</datalist>
<button>Show changes</button>
</form>
${result}`;
  return layout(
    {
      title: `${pkg.name}: changes${view.from || view.to ? ` ${view.from || '…'} → ${view.to || 'latest'}` : ''} · Changelogs`,
      page: 'changes',
      data: packageData(pkg),
      feeds: [{ title: `${pkg.name}: new changelog entries`, href: packagePath(pkg.registry, pkg.name, 'atom') }],
    },
    main,
  );
}

function crawlForm(registry: string, name: string, error: string | null): Html {
  return html`<form action="${packagePath(registry, name, 'crawl')}" method="post" class="crawl-form">
${error ? html`<p class="error" role="alert">${error}</p>` : null}
<p><label for="crawl-version">Version <span class="muted">(empty: the latest)</span></label><br>
<input name="version" id="crawl-version" maxlength="64" autocomplete="off"></p>
<p><label for="crawl-token">API token</label><br>
<input name="token" id="crawl-token" type="password" autocomplete="current-password" required></p>
<p><button>Crawl it</button></p>
</form>`;
}

export function notFoundPackagePage(view: { registry: string; name: string; error?: string | null; streamCursor?: string }): Html {
  const label = REGISTRY_LABELS[view.registry] ?? view.registry;
  const main = html`<h1>${view.name} has not been crawled</h1>
<p>No release of <strong>${view.name}</strong> from ${label} has been crawled here yet, so there is no changelog to show.
It appears at this address once a crawl of it ends.</p>
<h2>Crawl it from a shell</h2>
<pre class="command"><code>npx changelogs crawl ${view.registry} ${view.name}</code></pre>
<h2>Or here, with the API token</h2>
${crawlForm(view.registry, view.name, view.error ?? null)}`;
  const data = { registry: view.registry, name: view.name, ...(view.streamCursor && { after: view.streamCursor }) };
  return layout({ title: `${view.name} not found · Changelogs`, page: 'not-found', data }, main);
}

export function crawlStartedPage(view: { registry: string; name: string; version: string; workflowId: string; runId: string | null; started: boolean; ui: TemporalUi; streamCursor: string }): Html {
  const workflow = view.ui.url
    ? html`<a href="${temporalWorkflowUrl(view.ui.url, view.ui.namespace, view.workflowId, view.runId)}">${view.workflowId}</a>`
    : html`<code>${view.workflowId}</code>`;
  const main = html`<h1>${view.started ? 'Crawl started' : 'Crawl already running or done'}</h1>
<p>${view.name}@${view.version} from ${REGISTRY_LABELS[view.registry] ?? view.registry}: workflow ${workflow}.</p>
<p id="live" class="live-slot" role="status" aria-live="polite">When it ends, its changelog is at <a href="${packagePath(view.registry, view.name)}">${packagePath(view.registry, view.name)}</a>.</p>`;
  return layout({ title: `Crawling ${view.name} · Changelogs`, page: 'crawl-started', data: { registry: view.registry, name: view.name, after: view.streamCursor } }, main);
}

export function errorPage(title: string, message: string): Html {
  return layout({ title: `${title} · Changelogs`, page: 'error' }, html`<h1>${title}</h1>\n<p>${message}</p>\n<p><a href="/">Search the changelogs</a></p>`);
}

