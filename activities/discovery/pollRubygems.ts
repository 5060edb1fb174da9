// RubyGems: just_updated.json holds only the 50 newest versions. When all 50 are new, more may have been
// pushed since the last poll: the gap is filled from timeframe_versions.json.
import type { ReleaseRef } from '../../workflows/types';
import { type GemVersionItem, justUpdated, timeframeVersions } from '../registries/rubygems';
import type { UpstreamClient } from '../registries/upstreamClient';
import { advance, newSince, type TimeCursor, type TimedItem, unique } from './newReleases';

const FEED_SIZE = 50;
const TIMEFRAME_PAGE = 30;
const MAX_WINDOW_MS = 7 * 24 * 3600 * 1000;
/** A bound on gap-filling one poll, so a very long outage cannot make one activity run forever. */
const MAX_TIMEFRAME_PAGES = 200;
/**
 * Where a poll that has never seen an item starts: the beginning. Without a saved position, the first poll to
 * see anything would take only the 50 newest, and whatever was pushed before them (more than 50 gems between
 * two polls of a busy or freshly started registry) would never be crawled; from here, the gap is filled.
 */
const BEGINNING: TimeCursor = { at: new Date(0).toISOString(), keysAt: [] };

export interface PollResult {
  releases: ReleaseRef[];
  cursor: TimeCursor | null;
  gapFilled: number;
}

function timed(items: GemVersionItem[]): TimedItem[] {
  return items.filter((i) => i.name && i.version && i.version_created_at).map((i) => ({ name: i.name, version: i.version, at: i.version_created_at! }));
}

export async function pollRubygems(client: UpstreamClient, cursor: TimeCursor | null, signal?: AbortSignal): Promise<PollResult> {
  const latest = timed(await justUpdated(client, signal));
  let fresh = newSince(latest, cursor);
  let gapFilled = 0;
  const oldest = latest.length > 0 ? latest.reduce((min, i) => (Date.parse(i.at) < Date.parse(min.at) ? i : min)) : null;
  // A full feed reaches back past the cursor only if it holds an item older than the cursor: items pushed at
  // the cursor's own instant may have been cut from the feed's end even when one of them is in it.
  if (cursor && oldest && latest.length >= FEED_SIZE && Date.parse(oldest.at) >= Date.parse(cursor.at)) {
    const to = new Date(oldest.at);
    const from = new Date(Math.max(Date.parse(cursor.at), to.getTime() - MAX_WINDOW_MS));
    const gap: TimedItem[] = [];
    for (let page = 1; page <= MAX_TIMEFRAME_PAGES; page++) {
      const items = timed(await timeframeVersions(client, from.toISOString(), to.toISOString(), page, signal));
      gap.push(...items);
      if (items.length < TIMEFRAME_PAGE) break;
    }
    const fromFeed = fresh.length;
    fresh = unique([...fresh, ...newSince(gap, cursor)]);
    gapFilled = fresh.length - fromFeed;
  }
  const ordered = unique(fresh).sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return {
    releases: ordered.map((i) => ({ registry: 'rubygems', name: i.name, version: i.version })),
    cursor: advance(cursor ?? (latest.length === 0 ? BEGINNING : null), ordered),
    gapFilled,
  };
}
