// The pages' script, a file of its own (the Content-Security-Policy runs no inline script). The pages are
// complete without it; it adds what live data helps with: dates in the reader's time zone, the live stream of
// crawls on the front page, new entries arriving on a package's page, and the end of a crawl asked for.
'use strict';

const STREAM = `subscription ($after: String, $registry: Registry, $name: String) {
  crawls(after: $after, registry: $registry, name: $name) { cursor registry name version outcome workflowId at }
}`;

const body = document.body;
const $ = (selector, root = document) => root.querySelector(selector);
const el = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
};
const REGISTRY_LABELS = { npm: 'npm', rubygems: 'RubyGems', pypi: 'PyPI' };
const OUTCOME_LABELS = { found: 'found', not_found: 'no changelog', rejected: 'rejected', not_published: 'not published', failed: 'failed', cancelled: 'cancelled' };

/** The page of a package, as the server writes it (`@scope` stays readable). */
function packagePath(registry, name) {
  return `/${registry}/${name.split('/').map((part) => encodeURIComponent(part).replace(/^%40/, '@')).join('/')}`;
}

// Moments are written in UTC by the server; show them in the reader's time zone (dates alone stay as they are).
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
function localizeTimes(root) {
  for (const node of root.querySelectorAll('time[datetime]')) {
    const value = node.getAttribute('datetime');
    if (value.length <= 10 || node.dataset.local) continue;
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) continue;
    node.title = value;
    node.textContent = dateTime.format(at);
    node.dataset.local = '1';
  }
}
function timeElement(iso) {
  const node = el('time', iso);
  node.setAttribute('datetime', iso);
  return node;
}

/**
 * Crawl results as server-sent events, from the log position the page was rendered at. On a drop it
 * reconnects after the last cursor seen, so nothing is missed and nothing comes twice.
 */
function follow({ after, registry, name }, onCrawl, onStatus) {
  let cursor = after || null;
  const connect = () => {
    const variables = { after: cursor, registry: registry ? registry.toUpperCase() : null, name: name || null };
    const source = new EventSource(`/graphql?${new URLSearchParams({ query: STREAM, variables: JSON.stringify(variables) })}`);
    source.addEventListener('open', () => onStatus('live'));
    source.addEventListener('open', () => { body.dataset.stream = 'live'; });
    source.addEventListener('next', (event) => {
      const { data, errors } = JSON.parse(event.data);
      if (errors) return onStatus(errors.map((e) => e.message).join('; '));
      cursor = data.crawls.cursor;
      onCrawl(data.crawls);
    });
    source.addEventListener('error', () => {
      source.close();
      body.dataset.stream = 'reconnecting';
      onStatus('reconnecting…');
      setTimeout(connect, 2000);
    });
  };
  connect();
}

// The front page's stream: a fixed number of rows of fixed height. A new crawl moves the rows' contents down
// one row rather than inserting a row, so no box on the page moves (no layout shift) as crawls arrive.
function streamRow(crawl) {
  const outcome = crawl.outcome.toLowerCase();
  const link = el('a', `${crawl.name}@${crawl.version}`);
  link.href = packagePath(crawl.registry.toLowerCase(), crawl.name);
  const where = el('span', `${REGISTRY_LABELS[crawl.registry.toLowerCase()] || crawl.registry} · `, 'muted');
  where.append(timeElement(crawl.at));
  localizeTimes(where);
  return [el('span', OUTCOME_LABELS[outcome] || outcome, `badge outcome-${outcome}`), ' ', link, ' ', where];
}
function enhanceHome() {
  const list = $('#stream');
  const status = $('#stream-status');
  if (!list) return;
  const rows = [...list.children];
  follow({ after: list.dataset.after }, (crawl) => {
    const top = rows[0];
    if (top && top.dataset.workflow === crawl.workflowId && top.dataset.outcome === crawl.outcome.toLowerCase()) return;
    for (let i = rows.length - 1; i > 0; i--) {
      rows[i].replaceChildren(...rows[i - 1].childNodes);
      rows[i].dataset.workflow = rows[i - 1].dataset.workflow || '';
      rows[i].dataset.outcome = rows[i - 1].dataset.outcome || '';
      rows[i].classList.toggle('empty', rows[i - 1].classList.contains('empty'));
      if (rows[i].classList.contains('empty')) rows[i].setAttribute('aria-hidden', 'true');
      else rows[i].removeAttribute('aria-hidden');
    }
    top.replaceChildren(...streamRow(crawl));
    top.dataset.workflow = crawl.workflowId;
    top.dataset.outcome = crawl.outcome.toLowerCase();
    top.classList.remove('empty');
    top.removeAttribute('aria-hidden');
  }, (text) => { status.textContent = text; });
}

// A package's page: when a crawl of it ends, the changelog, facts and crawl history are read again from the
// server (the page as it is now) and swapped in, and the status line says what arrived.
async function refreshPackage(crawl, attempt = 0) {
  const response = await fetch(location.pathname, { headers: { accept: 'text/html' } });
  if (!response.ok) return;
  const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
  // A crawl can reach this page from the log a moment before the server's copy of the page learns of it: then
  // the page read is the one before, and is read again shortly.
  const anchor = `v${crawl.version}`;
  if (crawl.outcome === 'FOUND' && !fresh.getElementById(anchor) && !document.getElementById(anchor) && attempt < 3) {
    setTimeout(() => void refreshPackage(crawl, attempt + 1), 500 * (attempt + 1));
    return;
  }
  for (const selector of ['.facts', 'section[aria-labelledby="changelog-heading"]', 'section[aria-labelledby="crawls-heading"]']) {
    const now = $(selector);
    const next = $(selector, fresh);
    if (now && next) now.replaceWith(document.adoptNode(next));
  }
  localizeTimes(document);
  markScrollable(document);
  const live = $('#live');
  live.replaceChildren();
  if (crawl.outcome === 'FOUND' && document.getElementById(anchor)) {
    const link = el('a', `${crawl.version}`);
    link.href = `#${anchor}`;
    live.append('New release: ', link, ' — its changelog entry is below.');
  } else {
    live.append(`${crawl.name}@${crawl.version} crawled: ${OUTCOME_LABELS[crawl.outcome.toLowerCase()] || crawl.outcome}.`);
  }
}
function enhancePackage() {
  const { registry, name, after } = body.dataset;
  follow({ after, registry, name }, (crawl) => void refreshPackage(crawl), () => undefined);
}

// Not crawled yet, or a crawl just asked for: when a crawl of it ends, say so and open its page.
function watchForPackage() {
  const { registry, name, after } = body.dataset;
  const live = $('#live') || $('main').appendChild(el('p', '', 'live-slot'));
  live.setAttribute('role', 'status');
  follow({ after, registry, name }, (crawl) => {
    const outcome = crawl.outcome.toLowerCase();
    const link = el('a', `the changelog of ${crawl.name}`);
    link.href = packagePath(registry, name);
    live.replaceChildren(`Crawl of ${crawl.version} ended: ${OUTCOME_LABELS[outcome] || outcome}. Open `, link, '.');
    if (outcome !== 'failed' && outcome !== 'cancelled') setTimeout(() => location.assign(link.href), 1500);
  }, () => undefined);
}

// Code blocks wider than the screen scroll; a keyboard reaches them to scroll them.
function markScrollable(root) {
  for (const pre of root.querySelectorAll('main pre')) {
    if (pre.scrollWidth > pre.clientWidth) pre.tabIndex = 0;
  }
}

localizeTimes(document);
markScrollable(document);
switch (body.dataset.page) {
  case 'home':
    enhanceHome();
    break;
  case 'package':
    enhancePackage();
    break;
  case 'not-found':
  case 'crawl-started':
    watchForPackage();
    break;
}
