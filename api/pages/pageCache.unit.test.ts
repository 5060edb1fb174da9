import { type CachedResponse, createPageCache } from './pageCache';

const response = (text: string): CachedResponse => ({ status: 200, contentType: 'text/html', body: Buffer.from(text), etag: `"${text}"` });

describe('page cache', () => {
  test('renders once, then serves the kept response until an event of its package arrives', async () => {
    const cache = createPageCache();
    let renders = 0;
    const render = async () => response(`page ${++renders}`);
    expect((await cache.getOrRender('/npm/a', 'npm:a', render)).body.toString()).toBe('page 1');
    expect((await cache.getOrRender('/npm/a', 'npm:a', render)).body.toString()).toBe('page 1');
    cache.invalidate('npm', 'b');
    expect((await cache.getOrRender('/npm/a', 'npm:a', render)).body.toString()).toBe('page 1');
    cache.invalidate('npm', 'a');
    expect((await cache.getOrRender('/npm/a', 'npm:a', render)).body.toString()).toBe('page 2');
  });

  test('drops listings of recent crawls on any event', async () => {
    const cache = createPageCache();
    await cache.getOrRender('/', null, async () => response('home'));
    cache.invalidate('pypi', 'x');
    expect(cache.get('/')).toBeUndefined();
  });

  test('does not keep a page rendered while an event arrived', async () => {
    const cache = createPageCache();
    await cache.getOrRender('/npm/a', 'npm:a', async () => {
      cache.invalidate('npm', 'a');
      return response('maybe stale');
    });
    expect(cache.get('/npm/a')).toBeUndefined();
  });

  test('keeps at most its bound, the least recently used going first', async () => {
    const cache = createPageCache(2);
    await cache.getOrRender('a', 'npm:a', async () => response('a'));
    await cache.getOrRender('b', 'npm:b', async () => response('b'));
    cache.get('a');
    await cache.getOrRender('c', 'npm:c', async () => response('c'));
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
  });
});
