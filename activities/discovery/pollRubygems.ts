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
  if (cursor && latest.length >= FEED_SIZE && fresh.length === latest.length) {
    const oldest = latest.reduce((min, i) => (Date.parse(i.at) < Date.parse(min.at) ? i : min));
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
    cursor: advance(cursor, ordered),
    gapFilled,
  };
}
