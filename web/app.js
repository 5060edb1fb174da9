// The web page's script, a file of its own: the server's Content-Security-Policy runs no inline script.
'use strict';
const SEARCH = `query ($query: String!, $registry: Registry, $after: String) {
  search(query: $query, registry: $registry, first: 20, after: $after) {
    edges { match node { registry name latestVersion summary } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const PACKAGE = `query ($registry: Registry!, $name: String!) {
  package(registry: $registry, name: $name) {
    registry name latestVersion summary
    changelog { fileName sourceUrl version entries { version date title html } }
  }
}`;
const CHANGES = `query ($registry: Registry!, $name: String!, $from: String, $to: String) {
  package(registry: $registry, name: $name) { changes(from: $from, to: $to) { version date title html } }
}`;
const STREAM = `subscription ($after: String) {
  crawls(after: $after) { cursor registry name version outcome at }
}`;

const $ = (id) => document.getElementById(id);
const el = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
};

async function graphql(query, variables) {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const { data, errors } = await response.json();
  if (errors) throw new Error(errors.map((e) => e.message).join('; '));
  return data;
}

// Search, a page at a time.
let lastSearch = null;
async function search(after) {
  try {
    const data = await graphql(SEARCH, { ...lastSearch, after });
    if (!after) $('results').replaceChildren();
    if (!after && data.search.edges.length === 0) $('results').append(el('li', 'No package matches.'));
    for (const { match, node } of data.search.edges) {
      const item = el('li');
      const open = el('button', node.name, 'link');
      open.type = 'button';
      open.addEventListener('click', () => showPackage(node.registry, node.name));
      item.append(open, el('span', node.registry.toLowerCase(), 'badge'), el('span', match.toLowerCase(), 'badge'));
      if (node.summary) item.append(el('div', node.summary, 'muted'));
      $('results').append(item);
    }
    $('more').hidden = !data.search.pageInfo.hasNextPage;
    $('more').dataset.after = data.search.pageInfo.endCursor || '';
  } catch (err) {
    $('results').replaceChildren(el('li', err.message, 'error'));
  }
}
$('search').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  lastSearch = { query: form.get('query'), registry: form.get('registry') || null };
  search(null);
});
$('more').addEventListener('click', () => search($('more').dataset.after));

// A package: its changelog, and what changed between two versions.
function showEntries(entries) {
  for (const entry of entries) {
    const article = el('article');
    const heading = el('h3', entry.date ? `${entry.version} (${entry.date})` : entry.version);
    const body = el('div');
    body.innerHTML = entry.html; // sanitized by the server when the changelog was parsed
    article.append(heading, body);
    $('result').append(article);
  }
}
async function showPackage(registry, name, from, to) {
  $('result').replaceChildren();
  try {
    const { package: pkg } = await graphql(PACKAGE, { registry, name });
    if (!pkg) return $('result').append(el('p', `${name} has not been crawled yet.`));
    const title = el('h2', `${pkg.name} `);
    title.append(el('small', `${pkg.registry.toLowerCase()} ${pkg.latestVersion || ''}`));
    $('result').append(title);
    if (pkg.summary) $('result').append(el('p', pkg.summary));
    if (!pkg.changelog) return $('result').append(el('p', 'No changelog found.'));
    const range = el('form');
    range.innerHTML = '<input name="from" placeholder="after version" aria-label="From version" maxlength="64">'
      + '<input name="to" placeholder="up to version" aria-label="To version" maxlength="64"><button>What changed</button>';
    range.from.value = from || '';
    range.to.value = to || '';
    range.addEventListener('submit', (event) => {
      event.preventDefault();
      showPackage(registry, name, range.from.value.trim() || null, range.to.value.trim() || null);
    });
    $('result').append(range);
    if (from || to) {
      const { package: changed } = await graphql(CHANGES, { registry, name, from, to });
      $('result').append(el('p', `${changed.changes.length} entries after ${from || 'the first release'} up to ${to || 'the latest'}`, 'muted'));
      return showEntries(changed.changes);
    }
    $('result').append(el('p', `From ${pkg.changelog.fileName} of ${pkg.changelog.version}`, 'muted'));
    showEntries(pkg.changelog.entries);
  } catch (err) {
    $('result').append(el('p', err.message, 'error'));
  }
}

// The live stream, as server-sent events. On a drop we reconnect with the last cursor we saw, so the
// server replays what we missed: nothing lost, nothing twice.
const MAX_SHOWN = 50;
let cursor = null;
let source = null;
function connect() {
  const params = new URLSearchParams({ query: STREAM, variables: JSON.stringify({ after: cursor }) });
  source = new EventSource(`/graphql?${params}`);
  source.addEventListener('open', () => { $('stream-status').textContent = 'live'; });
  source.addEventListener('next', (event) => {
    const { data, errors } = JSON.parse(event.data);
    if (errors) return ($('stream-status').textContent = errors.map((e) => e.message).join('; '));
    const crawl = data.crawls;
    cursor = crawl.cursor;
    const item = el('li');
    item.append(el('span', crawl.outcome.toLowerCase().replace('_', ' '), `badge ${crawl.outcome}`), ` ${crawl.name}@${crawl.version} `,
      el('span', `${crawl.registry.toLowerCase()} · ${new Date(crawl.at).toLocaleTimeString()}`, 'muted'));
    $('stream').prepend(item);
    while ($('stream').children.length > MAX_SHOWN) $('stream').lastChild.remove();
  });
  source.addEventListener('error', () => {
    source.close();
    $('stream-status').textContent = 'reconnecting…';
    setTimeout(connect, 2000);
  });
}
connect();
