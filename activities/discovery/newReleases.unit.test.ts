import { advance, newSince, unique } from './newReleases';

const item = (name: string, version: string, at: string) => ({ name, version, at });

describe('newSince', () => {
  const cursor = { at: '2026-01-01T00:00:10.000Z', keysAt: ['a@1.0.0'] };

  test('keeps items after the cursor and unseen items at its exact time', () => {
    const items = [
      item('c', '3.0.0', '2026-01-01T00:00:11Z'),
      item('b', '2.0.0', '2026-01-01T00:00:10Z'),
      item('a', '1.0.0', '2026-01-01T00:00:10Z'),
      item('z', '0.1.0', '2026-01-01T00:00:09Z'),
    ];
    expect(newSince(items, cursor).map((i) => i.name)).toEqual(['c', 'b']);
  });

  test('takes everything without a cursor', () => {
    expect(newSince([item('a', '1', '2026-01-01T00:00:00Z')], null)).toHaveLength(1);
  });
});

describe('advance', () => {
  test('moves to the newest time and remembers every key seen at it', () => {
    const next = advance(null, [
      item('a', '1', '2026-01-01T00:00:01Z'),
      item('b', '1', '2026-01-01T00:00:02Z'),
      item('c', '1', '2026-01-01T00:00:02Z'),
    ]);
    expect(next).toEqual({ at: '2026-01-01T00:00:02.000Z', keysAt: ['b@1', 'c@1'] });
    // Feeding the same items again yields nothing new.
    expect(newSince([item('c', '1', '2026-01-01T00:00:02Z'), item('b', '1', '2026-01-01T00:00:02Z')], next)).toEqual([]);
  });

  test('never moves backwards', () => {
    const cursor = { at: '2026-01-01T00:00:05.000Z', keysAt: ['x@1'] };
    expect(advance(cursor, [item('old', '1', '2026-01-01T00:00:01Z')])).toEqual(cursor);
  });
});

test('unique keeps the first of each release', () => {
  expect(unique([item('a', '1', 't1'), item('a', '1', 't2'), item('a', '2', 't3')]).map((i) => i.at)).toEqual(['t1', 't3']);
});
