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

  test('keeps at most its bound in bytes, the least recently used going first', async () => {
    const cache = createPageCache(12);
    for (const key of ['a', 'b', 'c', 'd']) await cache.getOrRender(key, `npm:${key}`, async () => response(key.repeat(3)));
    cache.get('a');
    await cache.getOrRender('e', 'npm:e', async () => response('eee'));
    expect(cache.size).toBe(4);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    // A response larger than a quarter of the bound is served, not kept.
    await cache.getOrRender('big', 'npm:big', async () => response('x'.repeat(4)));
    expect(cache.get('big')).toBeUndefined();
  });
});
