// PyPI: the RSS feed of the newest 100 updates (cheap, may miss bursts), or the serial journal (gap-free,
// rate limited) where configured.
import { type ReleaseRef, releaseRef } from '../../workflows/types';
import { changelogLastSerial, changelogSinceSerial, readUpdatesFeed } from '../registries/pypi';
import type { UpstreamClient } from '../registries/upstreamClient';
import { advance, newSince, type TimeCursor, type TimedItem, unique } from './newReleases';

export type PypiCursor = (TimeCursor & { etag: string | null }) | { serial: number };

export interface PypiPollResult {
  releases: ReleaseRef[];
  cursor: PypiCursor | null;
}

async function pollRss(client: UpstreamClient, cursor: (TimeCursor & { etag: string | null }) | null, signal?: AbortSignal): Promise<PypiPollResult> {
  const feed = await readUpdatesFeed(client, cursor?.etag ?? null, signal);
  if (feed.notModified) return { releases: [], cursor };
  const items: TimedItem[] = feed.items.map((i) => ({ name: i.name, version: i.version, at: i.publishedAt ?? new Date(0).toISOString() }));
  const fresh = unique(newSince(items, cursor)).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const next = advance(cursor, fresh);
  return {
    releases: fresh.map((i) => releaseRef('pypi', i.name, i.version)),
    cursor: next ? { ...next, etag: feed.etag } : null,
  };
}

async function pollJournal(client: UpstreamClient, cursor: { serial: number }, signal?: AbortSignal): Promise<PypiPollResult> {
  const rows = await changelogSinceSerial(client, cursor.serial, signal);
  const releases = unique(
    rows.filter((r) => r.action === 'new release' && r.version).map((r) => releaseRef('pypi', r.name, r.version!)),
  );
  const serial = rows.reduce((max, r) => Math.max(max, r.serial), cursor.serial);
  return { releases, cursor: { serial } };
}

export async function pollPypi(client: UpstreamClient, cursor: PypiCursor | null, useJournal: boolean, signal?: AbortSignal): Promise<PypiPollResult> {
  if (useJournal && cursor && 'serial' in cursor) return pollJournal(client, cursor, signal);
  if (useJournal) return { releases: [], cursor: { serial: await changelogLastSerial(client, signal) } };
  return pollRss(client, cursor && 'serial' in cursor ? null : cursor, signal);
}
