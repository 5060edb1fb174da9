// The RubyGems poll against the simulated registry: its feed shows only the 50 newest versions.
import { type RubyGemsSimulator, startRubyGems } from '../../demo/rubygems';
import type { TimeCursor } from './newReleases';
import { pollRubygems } from './pollRubygems';

let gems: RubyGemsSimulator;
beforeEach(async () => {
  gems = await startRubyGems({ requestsPerSecond: null });
});
afterEach(async () => {
  await gems.close();
});

const client = () => ({ baseUrl: gems.url, userAgent: 'changelogs-test', maxBytes: 10_000_000 });
const push = async (count: number, from = 0, time?: string) => {
  for (let i = from; i < from + count; i++) await gems.publish({ name: `gem_${i}`, version: '1.0.0', ...(time && { time }) });
};
const names = (r: { releases: { name: string }[] }) => r.releases.map((x) => x.name).sort();

test('a first poll of an empty feed keeps a position, so a burst of more than 50 pushed before the next is crawled whole', async () => {
  const first = await pollRubygems(client(), null);
  expect(first.releases).toEqual([]);
  expect(first.cursor).not.toBeNull();
  await push(70);
  const second = await pollRubygems(client(), first.cursor);
  expect(second.releases).toHaveLength(70);
  expect(second.gapFilled).toBe(20);
});

test('a full feed whose oldest item is at the cursor\'s instant is gap-filled: ties may have been cut from the feed', async () => {
  const instant = new Date(Date.now() - 60_000).toISOString();
  await gems.publish({ name: 'early', version: '0.1.0', time: new Date(Date.now() - 3_600_000).toISOString() });
  await gems.publish({ name: 'seen', version: '1.0.0', time: instant });
  const first = await pollRubygems(client(), null);
  expect(names(first)).toEqual(['early', 'seen']);
  // Pushed at the instant the cursor remembers, then 49 more: the feed's 50 end with one of the two ties
  // (here the one already seen), so the other is only found by reading the timeframe.
  await gems.publish({ name: 'early', version: '0.2.0', time: instant });
  await push(49, 0, new Date(Date.now() - 30_000).toISOString());
  const second = await pollRubygems(client(), first.cursor as TimeCursor);
  expect(second.releases).toContainEqual({ registry: 'rubygems', name: 'early', version: '0.2.0' });
  expect(second.releases).toHaveLength(50);
});
