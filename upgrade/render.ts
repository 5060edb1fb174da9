// The upgrade report as text for a terminal, and as Markdown for a pull-request comment or a CI summary.
import type { DependencyReport, ReportEntry, UpgradeReport } from './report';

const STATUS_TEXT: Record<DependencyReport['status'], string> = {
  up_to_date: 'up to date',
  changes: 'changes',
  crawling: 'crawling',
  no_changelog: 'no changelog',
  not_crawled: 'not crawled',
};

/** "3 entries, 1 breaking", "up to date", "crawling", "no changelog (not_found)". */
export function statusLine(d: DependencyReport): string {
  switch (d.status) {
    case 'changes':
    case 'crawling': {
      const parts = [`${d.entries.length} ${d.entries.length === 1 ? 'entry' : 'entries'}`];
      if (d.breakingCount) parts.push(`${d.breakingCount} breaking`);
      if (d.securityCount) parts.push(`${d.securityCount} security`);
      return d.status === 'crawling' ? (d.entries.length ? `crawling (${parts.join(', ')} so far)` : 'crawling') : parts.join(', ');
    }
    case 'no_changelog':
      return `no changelog${d.outcome ? ` (${d.outcome})` : ''}`;
    default:
      return STATUS_TEXT[d.status];
  }
}

export function summaryLine(report: UpgradeReport): string {
  const s = report.summary;
  const parts = [
    `${s.withChanges} with changes${s.breaking ? ` (${s.breaking} breaking)` : ''}`,
    `${s.upToDate} up to date`,
    s.crawling && `${s.crawling} crawling`,
    s.noChangelog && `${s.noChangelog} without a changelog`,
    s.notCrawled && `${s.notCrawled} not crawled`,
  ].filter(Boolean);
  return `${s.dependencies} ${report.registry} dependencies: ${parts.join(', ')}; ${s.entries} changelog ${s.entries === 1 ? 'entry' : 'entries'} to read.`;
}

const versionSpan = (d: DependencyReport) => (d.latestVersion && d.latestVersion !== d.lockedVersion ? `${d.lockedVersion} → ${d.latestVersion}` : d.lockedVersion);

export function renderText(report: UpgradeReport): string {
  const lines = [summaryLine(report)];
  const width = Math.min(40, Math.max(...report.dependencies.map((d) => d.name.length), 4));
  for (const d of report.dependencies) {
    const mark = d.breakingCount ? '!' : d.status === 'changes' ? '*' : ' ';
    lines.push(`${mark} ${d.name.padEnd(width)}  ${versionSpan(d).padEnd(24)}  ${statusLine(d)}${d.note ? ` — ${d.note}` : ''}`);
    for (const e of d.entries) lines.push(`    ${e.breaking ? 'BREAKING ' : ''}${e.security ? 'security ' : ''}${e.version}${e.date ? ` (${e.date})` : ''}${e.title && e.title !== e.version ? `  ${e.title}` : ''}`);
  }
  for (const skipped of report.skipped) lines.push(`skipped: ${skipped}`);
  if (report.hint) lines.push(report.hint);
  return `${lines.join('\n')}\n`;
}

/** Longest body shown per entry: a PR comment holds at most 65,536 characters. */
const MAX_BODY = 1_200;

/** Markdown table cells: no pipes or line breaks. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

/** An entry's text, quoted so that its headings and HTML cannot break the comment's structure. */
function quotedBody(entry: ReportEntry): string {
  const body = entry.body.trim();
  const cut = body.length > MAX_BODY ? `${body.slice(0, MAX_BODY).replace(/\s+\S*$/, '')} …` : body;
  return cut ? cut.replace(/<\/?details|<\/?summary/gi, (tag) => tag.replace('<', '&lt;')).split('\n').map((line) => `> ${line}`.trimEnd()).join('\n') : '> (no text)';
}

export function renderMarkdown(report: UpgradeReport): string {
  const title = report.fileName ?? report.format;
  const out = [`### Upgrade report: \`${title}\``, '', summaryLine(report), ''];
  const rows = report.dependencies.filter((d) => d.status !== 'up_to_date');
  if (rows.length) {
    out.push('| | package | locked → latest | status |', '|---|---|---|---|');
    for (const d of rows) {
      const mark = d.breakingCount ? '⚠️' : d.securityCount ? '🔒' : d.status === 'changes' ? '📝' : '';
      out.push(`| ${mark} | ${cell(d.name)}${d.dev ? ' (dev)' : ''} | ${cell(versionSpan(d))} | ${cell(statusLine(d))}${d.note ? ` — ${cell(d.note)}` : ''} |`);
    }
    out.push('');
  }
  for (const d of report.dependencies.filter((d) => d.entries.length)) {
    out.push(`<details><summary><b>${escapeHtml(d.name)}</b> ${escapeHtml(versionSpan(d))}: ${escapeHtml(statusLine(d))}</summary>`, '');
    for (const e of d.entries) {
      const marks = [e.breaking && '**breaking**', e.security && '**security**', e.yanked && 'yanked'].filter(Boolean).join(', ');
      out.push(`#### ${e.version}${e.date ? ` (${e.date})` : ''}${marks ? ` — ${marks}` : ''}`, '', quotedBody(e), '');
    }
    out.push('</details>', '');
  }
  if (report.summary.upToDate) out.push(`Up to date: ${report.dependencies.filter((d) => d.status === 'up_to_date').map((d) => d.name).join(', ')}.`, '');
  if (report.skipped.length) out.push('<details><summary>Not in this report</summary>', '', ...report.skipped.map((s) => `- ${s}`), '', '</details>', '');
  if (report.hint) out.push(`> ${report.hint}`, '');
  return out.join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
