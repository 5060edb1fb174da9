// Helpers for API tests: crawl many releases through the real workflows, or record results straight into
// the event log (for registries whose crawlers are not built yet).
import type { Pool } from 'pg';
import { storeBlob } from '../../eventStore/blobs';
import { releaseStreamId } from '../../eventStore/events';
import { createRecordingActivities } from '../../activities/recording';
import { startCrawl } from '../../infra/temporal/crawls';
import type { Registry } from '../../workflows/types';
import type { TestStack } from './stack';

/** Publishes `versions` of a package (no changelog, so each crawl is quick) and crawls them all. */
export async function crawlReleases(stack: TestStack, name: string, versions: string[]): Promise<string[]> {
  for (const version of versions) await stack.npm.publish({ name, version, files: { 'README.md': `# ${name}\n` } });
  return crawlPublished(stack, name, versions);
}

/** Crawls releases already published on the simulator; resolves to their outcomes (rejects if one fails). */
export async function crawlPublished(stack: TestStack, name: string, versions: string[]): Promise<string[]> {
  const started = await Promise.all(
    versions.map((version) => startCrawl(stack.temporal, stack.config.temporal.taskQueue, { registry: 'npm', name, version }, 'requested')),
  );
  return Promise.all(started.map(({ workflowId }) => stack.temporal.workflow.getHandle(workflowId).result() as Promise<string>));
}

export function versionRange(count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `1.0.${from + i}`);
}

export interface RecordedEntry {
  version: string | null;
  title?: string;
  body?: string;
}

/** Appends a found crawl with this changelog, as the crawl workflow would. */
export async function recordRelease(
  pool: Pool,
  release: { registry: Registry; name: string; version: string; summary?: string | null; entries?: RecordedEntry[] },
): Promise<void> {
  const entries = (release.entries ?? []).map((e) => ({
    version: e.version,
    date: null,
    title: e.title ?? e.version ?? 'Unreleased',
    body: e.body ?? '',
    html: `<p>${e.body ?? ''}</p>`,
    sections: [],
    unreleased: e.version === null,
    yanked: false,
    prerelease: false,
  }));
  const parsed = await storeBlob(pool, Buffer.from(JSON.stringify({ entries })), 'application/json');
  const streamId = releaseStreamId(release);
  const now = new Date().toISOString();
  // The same activity the crawl workflow records its results with.
  await createRecordingActivities(pool).recordCrawlResult({
    release: { registry: release.registry, name: release.name, version: release.version, publishedAt: now, latestVersion: release.version, summary: release.summary ?? null },
    crawl: { workflowId: `crawl:${streamId}`, runId: `run-${streamId}`, startedAt: now },
    outcome: entries.length ? 'found' : 'not_found',
    changelog: entries.length
      ? { fileName: 'CHANGELOG.md', foundIn: 'archive:CHANGELOG.md', sourceUrl: null, format: 'markdown', rawSha256: parsed, parsedSha256: parsed, entryCount: entries.length }
      : null,
    reason: null,
  });
}
