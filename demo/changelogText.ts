// Changelog files in the formats packages really use, rendered from a list of entries (newest first).
export type ChangelogFormat = 'keep-a-changelog' | 'conventional' | 'history-setext' | 'rst' | 'plain-headings';

export interface ChangeItem {
  kind: 'added' | 'changed' | 'fixed' | 'removed' | 'security';
  text: string;
  /** Scope, as conventional commits write it (`**parser:**`). */
  scope?: string;
  issue?: number;
}

export interface ChangelogEntry {
  version: string;
  /** YYYY-MM-DD. */
  date: string;
  items: ChangeItem[];
}

/** Where the rendered file is usually named. */
export const FILE_NAMES: Record<ChangelogFormat, string[]> = {
  'keep-a-changelog': ['CHANGELOG.md'],
  conventional: ['CHANGELOG.md'],
  'history-setext': ['History.md', 'HISTORY.md'],
  rst: ['CHANGES.rst', 'HISTORY.rst'],
  'plain-headings': ['CHANGELOG.md', 'CHANGES.md', 'NEWS.md'],
};

const KEEP_A_CHANGELOG_SECTIONS: Record<ChangeItem['kind'], string> = {
  added: 'Added',
  changed: 'Changed',
  fixed: 'Fixed',
  removed: 'Removed',
  security: 'Security',
};

const CONVENTIONAL_SECTIONS: Record<ChangeItem['kind'], string> = {
  added: 'Features',
  changed: 'Features',
  fixed: 'Bug Fixes',
  removed: '⚠ BREAKING CHANGES',
  security: 'Bug Fixes',
};

function grouped<T extends string>(items: ChangeItem[], sections: Record<ChangeItem['kind'], T>): Map<T, ChangeItem[]> {
  const groups = new Map<T, ChangeItem[]>();
  for (const item of items) {
    const section = sections[item.kind];
    groups.set(section, [...(groups.get(section) ?? []), item]);
  }
  return groups;
}

function issueRef(item: ChangeItem, repoUrl: string | undefined): string {
  if (item.issue === undefined) return '';
  return repoUrl ? ` ([#${item.issue}](${repoUrl}/issues/${item.issue}))` : ` (#${item.issue})`;
}

function commitHash(entry: ChangelogEntry, index: number): string {
  let h = 0;
  for (const c of `${entry.version}:${index}`) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return h.toString(16).padStart(8, '0').slice(0, 7);
}

function keepAChangelog(entries: ChangelogEntry[], repoUrl: string | undefined): string {
  const parts = ['# Changelog', '', 'All notable changes to this project will be documented in this file.', '',
    'The format is based on Keep a Changelog, and this project adheres to Semantic Versioning.', '', '## [Unreleased]', ''];
  for (const entry of entries) {
    parts.push(`## [${entry.version}] - ${entry.date}`, '');
    for (const [section, items] of grouped(entry.items, KEEP_A_CHANGELOG_SECTIONS)) {
      parts.push(`### ${section}`, '', ...items.map((i) => `- ${i.text}${issueRef(i, repoUrl)}`), '');
    }
  }
  if (repoUrl) {
    entries.forEach((entry, i) => {
      const previous = entries[i + 1];
      parts.push(previous ? `[${entry.version}]: ${repoUrl}/compare/v${previous.version}...v${entry.version}` : `[${entry.version}]: ${repoUrl}/releases/tag/v${entry.version}`);
    });
    parts.push('');
  }
  return parts.join('\n');
}

function conventional(entries: ChangelogEntry[], repoUrl: string | undefined): string {
  const parts = ['# Changelog', ''];
  entries.forEach((entry, i) => {
    const previous = entries[i + 1];
    const heading = repoUrl && previous ? `[${entry.version}](${repoUrl}/compare/v${previous.version}...v${entry.version})` : entry.version;
    parts.push(`${/\.0\.0$|\.0$/.test(entry.version) ? '##' : '###'} ${heading} (${entry.date})`, '');
    for (const [section, items] of grouped(entry.items, CONVENTIONAL_SECTIONS)) {
      parts.push(`### ${section}`, '');
      items.forEach((item, n) => {
        const hash = commitHash(entry, n);
        const commit = repoUrl ? ` ([${hash}](${repoUrl}/commit/${hash}))` : ` (${hash})`;
        parts.push(`* ${item.scope ? `**${item.scope}:** ` : ''}${item.text}${issueRef(item, repoUrl)}${commit}`);
      });
      parts.push('');
    }
  });
  return parts.join('\n');
}

function historySetext(entries: ChangelogEntry[]): string {
  const parts: string[] = [];
  for (const entry of entries) {
    const heading = `${entry.version} / ${entry.date}`;
    parts.push(heading, '='.repeat(heading.length), '', ...entry.items.map((i) => `  * ${i.text}`), '');
  }
  return parts.join('\n');
}

function rst(entries: ChangelogEntry[]): string {
  const parts = ['=========', 'Changelog', '=========', ''];
  for (const entry of entries) {
    const heading = `${entry.version} (${entry.date})`;
    parts.push(heading, '-'.repeat(heading.length), '');
    for (const item of entry.items) {
      const text = item.text.replace(/`([^`]+)`/g, '``$1``');
      parts.push(`- ${text}${item.issue === undefined ? '' : ` (:issue:\`${item.issue}\`)`}`);
    }
    parts.push('');
  }
  return parts.join('\n');
}

function plainHeadings(entries: ChangelogEntry[]): string {
  const parts = ['# Release notes', ''];
  for (const entry of entries) {
    parts.push(`## ${entry.version} (${entry.date})`, '', ...entry.items.map((i) => `* ${i.text}`), '');
  }
  return parts.join('\n');
}

export function renderChangelog(format: ChangelogFormat, entries: ChangelogEntry[], repoUrl?: string): string {
  switch (format) {
    case 'keep-a-changelog':
      return keepAChangelog(entries, repoUrl);
    case 'conventional':
      return conventional(entries, repoUrl);
    case 'history-setext':
      return historySetext(entries);
    case 'rst':
      return rst(entries);
    case 'plain-headings':
      return plainHeadings(entries);
  }
}

/** A GitHub release body for one version: what release-drafting tools write. */
export function releaseNotes(entry: ChangelogEntry, repoUrl?: string): string {
  const parts = ["## What's Changed", '', ...entry.items.map((i) => `* ${i.text}${issueRef(i, repoUrl)}`)];
  return parts.join('\n');
}
