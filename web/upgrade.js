// The upgrade report page: a lockfile in (pasted, dropped or chosen), the report out, filled in as the
// crawls it started end. Crawl results arrive on the live stream (server-sent events on /graphql); when one
// of the crawls the report waits for ends, the report is asked for again. A file of its own: the server's
// Content-Security-Policy runs no inline script.
'use strict';
const REPORT = `query ($lockfile: String!, $format: LockfileFormat, $fileName: String, $crawl: Boolean) {
  upgradeReport(lockfile: $lockfile, format: $format, fileName: $fileName, crawl: $crawl) {
    format registry complete crawlsStarted skipped hint
    summary { dependencies upToDate withChanges breaking crawling noChangelog notCrawled entries }
    dependencies {
      name lockedVersion latestVersion status dev outcome workflowId breakingCount securityCount note
      entries { version date title html breaking security yanked }
    }
  }
}`;
const STREAM = `subscription ($after: String) { crawls(after: $after) { cursor workflowId } }`;

const $ = (id) => document.getElementById(id);
const el = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
};

let request = null; // the lockfile and options of the report shown
let fileName = null;
/** Crawls the report waits for (workflow id → dependency name); emptied as their results arrive. */
const waitingFor = new Map();

async function fetchReport(crawl) {
  const headers = { 'content-type': 'application/json' };
  if (crawl && request.token) headers.authorization = `Bearer ${request.token}`;
  const response = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query: REPORT, variables: { lockfile: request.lockfile, format: request.format, fileName: request.fileName, crawl } }),
  });
  const { data, errors } = await response.json();
  if (errors) {
    const error = new Error(errors.map((e) => e.message).join('; '));
    error.line = errors[0].extensions && errors[0].extensions.line;
    throw error;
  }
  return data.upgradeReport;
}

function summaryText(report) {
  const s = report.summary;
  const parts = [`${s.withChanges} with changes${s.breaking ? ` (${s.breaking} with breaking changes)` : ''}`, `${s.upToDate} up to date`];
  const crawling = waitingFor.size;
  if (crawling) parts.push(`${crawling} crawling`);
  if (s.noChangelog) parts.push(`${s.noChangelog} without a changelog`);
  if (s.notCrawled - crawling > 0) parts.push(`${s.notCrawled - crawling} not crawled`);
  return `${s.dependencies} ${report.registry.toLowerCase()} dependencies: ${parts.join(', ')}.`;
}

function statusText(d) {
  if (d.status === 'CHANGES') return `${d.entries.length} ${d.entries.length === 1 ? 'entry' : 'entries'}`;
  if (d.status === 'NO_CHANGELOG') return `no changelog${d.outcome ? ` (${d.outcome.toLowerCase().replace('_', ' ')})` : ''}`;
  return d.status.toLowerCase().replace(/_/g, ' ');
}

function render(report) {
  $('summary').textContent = summaryText(report);
  const waitingNames = new Set(waitingFor.values());
  const container = $('report');
  container.replaceChildren();
  if (report.hint) container.append(el('p', report.hint, 'muted'));
  for (const d of report.dependencies) {
    // A crawl the page still waits for shows as crawling, whatever a report asked for without crawling says.
    const status = waitingNames.has(d.name) ? 'CRAWLING' : d.status;
    const shown = { ...d, status };
    const details = el('details', undefined, 'dependency');
    details.open = d.breakingCount > 0;
    const summary = el('summary');
    summary.append(el('span', d.name, 'name'), ` ${d.latestVersion && d.latestVersion !== d.lockedVersion ? `${d.lockedVersion} → ${d.latestVersion}` : d.lockedVersion} `,
      el('span', statusText(shown), `badge status-${status}`));
    if (d.breakingCount) summary.append(el('span', `${d.breakingCount} breaking`, 'badge breaking-badge'));
    if (d.securityCount) summary.append(el('span', `${d.securityCount} security`, 'badge security-badge'));
    if (d.dev) summary.append(el('span', 'dev', 'badge'));
    details.append(summary);
    if (d.note) details.append(el('p', d.note, 'note'));
    for (const entry of d.entries) {
      const article = el('article', undefined, entry.breaking ? 'entry breaking' : 'entry');
      const heading = el('h3', entry.date ? `${entry.version} (${entry.date})` : entry.version);
      if (entry.breaking) heading.append(el('span', 'breaking', 'badge breaking-badge'));
      if (entry.security) heading.append(el('span', 'security', 'badge security-badge'));
      if (entry.yanked) heading.append(el('span', 'yanked', 'badge'));
      const body = el('div');
      body.innerHTML = entry.html; // sanitized by the server when the changelog was parsed
      article.append(heading, body);
      details.append(article);
    }
    if (d.entries.length === 0 && status !== 'CRAWLING') details.querySelector('summary').classList.add('empty');
    container.append(details);
  }
  if (report.skipped.length) {
    const skipped = el('details', undefined, 'skipped');
    skipped.append(el('summary', `${report.skipped.length} not in this report`));
    const list = el('ul');
    for (const line of report.skipped) list.append(el('li', line));
    skipped.append(list);
    container.append(skipped);
  }
}

async function submit(event) {
  event.preventDefault();
  const form = $('lockfile-form');
  request = {
    lockfile: form.lockfile.value,
    format: form.format.value || null,
    fileName,
    token: form.token.value.trim() || null,
  };
  waitingFor.clear();
  $('summary').textContent = 'Reading the lockfile…';
  $('report').replaceChildren();
  try {
    const report = await fetchReport(true);
    for (const d of report.dependencies) if (d.status === 'CRAWLING' && d.workflowId) waitingFor.set(d.workflowId, d.name);
    render(report);
    if (report.crawlsStarted) $('summary').append(` Started ${report.crawlsStarted} crawls; the report fills in as they end.`);
  } catch (err) {
    $('summary').textContent = '';
    $('report').replaceChildren(el('p', err.message, 'error'));
  }
}

// Asked again at most once a second while crawls end.
let refreshTimer = null;
function refreshSoon() {
  if (!request || refreshTimer) return;
  refreshTimer = setTimeout(async () => {
    refreshTimer = null;
    try {
      render(await fetchReport(false));
    } catch (err) {
      $('report').prepend(el('p', err.message, 'error'));
    }
  }, 1000);
}

// The live stream; on a drop, reconnect after the last cursor seen, so no result is missed.
let cursor = null;
function connect() {
  const params = new URLSearchParams({ query: STREAM, variables: JSON.stringify({ after: cursor }) });
  const source = new EventSource(`/graphql?${params}`);
  source.addEventListener('next', (event) => {
    const { data } = JSON.parse(event.data);
    if (!data) return;
    cursor = data.crawls.cursor;
    if (waitingFor.delete(data.crawls.workflowId)) refreshSoon();
  });
  source.addEventListener('error', () => {
    source.close();
    setTimeout(connect, 2000);
  });
}
connect();

function readFile(file) {
  if (!file) return;
  fileName = file.name;
  const match = [...$('format').options].find((o) => o.textContent === file.name);
  $('format').value = match ? match.value : '';
  file.text().then((text) => { $('lockfile').value = text; });
}

$('lockfile-form').addEventListener('submit', submit);
$('file').addEventListener('change', (event) => readFile(event.target.files[0]));
$('lockfile').addEventListener('input', () => { fileName = null; });
const drop = $('drop');
drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  readFile(event.dataTransfer.files[0]);
});
