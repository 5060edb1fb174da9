// The reader's web in a real browser (Chromium, driven by playwright-core) against the real stack: pages at
// stable URLs rendered on the server, entry anchors and the back button, crawls linked to the Temporal UI,
// changes between two versions, new entries arriving live, the Atom feeds read by a feed parser, the 404 page
// and its crawl button, accessibility (axe-core), and the security policy that keeps markup from running code.
import fs from 'node:fs';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { parseAtomFeed } from 'feedsmith';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { recordRelease } from './support/releases';
import { seriousAxeViolations } from './support/axe';
import { requireEnv } from './support/env';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';

// Found (or installed) by the global setup before any test runs.
const CHROMIUM = requireEnv('CHROMIUM_PATH');
const TEMPORAL_UI = 'http://temporal-ui.test:8233';
const TOKEN = 'web-test';
/** Set to a directory to keep screenshots of the pages (the README's come from here). */
const SCREENSHOTS = process.env.WEB_SCREENSHOT_DIR;

const changelog = (newest: string[] = []) => `# Changelog

${newest.join('\n')}
## [2.1.0] - 2026-03-02
### Added
- Streaming parser. <img src=x onerror="document.title='pwned'">
### Security
- Names in error messages are escaped (a crafted name could inject markup).

## [2.0.0] - 2026-01-31
### BREAKING CHANGES
- Dropped Node 18. [docs](javascript:document.title='pwned')

## [1.1.0] - 2025-12-01
### Fixed
- Off-by-one in ranges.

## [1.0.0] - 2025-11-01
### Added
- First release.
`;

const PKG = '@reader/stream-kit';
let stack: TestStack;
let browser: Browser;
let base: string;
/** The crawl of PKG 2.1.0 made at the start. */
let firstCrawl: { workflowId: string; runId: string };

beforeAll(async () => {
  stack = await startStack({ env: { API_TOKEN: TOKEN, TEMPORAL_UI_URL: TEMPORAL_UI } });
  base = stack.api.url.replace(/\/graphql$/, '');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  await stack.npm.publish({ name: PKG, version: '2.1.0', description: 'Parses streams', files: { 'CHANGELOG.md': changelog() } });
  firstCrawl = await crawl(PKG, '2.1.0');
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function crawl(name: string, version: string): Promise<{ workflowId: string; runId: string }> {
  const { data, errors } = await stack.graphql<{ crawl: { workflowId: string } }>(
    'mutation ($name: String!, $version: String) { crawl(registry: NPM, name: $name, version: $version) { workflowId } }',
    { name, version },
    { authorization: `Bearer ${TOKEN}` },
  );
  expect(errors).toBeUndefined();
  const handle = stack.temporal.workflow.getHandle(data!.crawl.workflowId);
  await expect(handle.result()).resolves.toBe('found');
  return { workflowId: data!.crawl.workflowId, runId: (await handle.describe()).runId };
}

/** A page whose policy violations are recorded in `__violations` and layout shifts in `__shifts`. */
async function newPage(context?: BrowserContext): Promise<Page> {
  const page = await (context ?? browser).newPage();
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[]; __shifts: number[] };
    w.__violations = [];
    w.__shifts = [];
    document.addEventListener('securitypolicyviolation', (event) => w.__violations.push(`${event.effectiveDirective} ${event.blockedURI}`));
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
        if (!entry.hadRecentInput) w.__shifts.push(entry.value);
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  return page;
}

const read = <T>(page: Page, name: string) => page.evaluate((key) => (window as unknown as Record<string, T>)[key]!, name);

test('a package page opened by its URL: summary, changelog with anchors, the back button, crawls linked to the Temporal UI', async () => {
  const { workflowId, runId } = firstCrawl;
  const page = await newPage();
  await page.goto(`${base}/`);
  await page.goto(`${base}/npm/${PKG}`);
  expect(await page.locator('h1').textContent()).toContain(PKG);
  expect(await page.locator('dl.facts').textContent()).toContain('2.1.0');
  expect(await page.locator('.entries article > h3 > a.anchor').allTextContents()).toEqual(['2.1.0', '2.0.0', '1.1.0', '1.0.0']);
  expect(await page.locator('#v2\\.1\\.0').textContent()).toContain('Streaming parser.');
  expect(await page.locator('#v2\\.0\\.0 .section-breaking').count()).toBe(1);
  expect(await page.locator('#v2\\.1\\.0 .section-security').count()).toBe(1);
  // Sanitized when parsed: the handler and the javascript: link are gone.
  expect(await page.locator('main [onerror], main a[href^="javascript:"]').count()).toBe(0);
  if (SCREENSHOTS) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'package-page.png'), fullPage: true });
  }

  // Follow an entry's anchor, then go back.
  await page.locator('a.anchor', { hasText: '1.1.0' }).click();
  expect(new URL(page.url()).hash).toBe('#v1.1.0');
  expect(await page.evaluate(() => document.querySelector(':target')?.id)).toBe('v1.1.0');
  await page.goBack();
  expect(page.url()).toBe(`${base}/npm/${PKG}`);
  expect(await page.evaluate(() => document.querySelector(':target'))).toBeNull();

  // The crawl's row links to its workflow run in the Temporal UI (which the test stands in for).
  const ns = stack.config.temporal.namespace;
  const expected = `${TEMPORAL_UI}/namespaces/${ns}/workflows/${encodeURIComponent(workflowId)}/${runId}/history`;
  const links = await page.locator('table.crawls a.workflow').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
  expect(links).toContain(expected);
  await page.route(`${TEMPORAL_UI}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<title>Temporal</title>' }));
  await page.locator(`table.crawls a.workflow[href="${expected}"]`).click();
  await page.waitForURL(expected);
  await page.goBack();
  expect(page.url()).toBe(`${base}/npm/${PKG}`);
  expect(await read<string[]>(page, '__violations')).toEqual([]);
  await page.close();
});

test('the changes between two versions, breaking and security entries marked', async () => {
  const page = await newPage();
  await page.goto(`${base}/npm/${PKG}`);
  await page.getByRole('link', { name: 'What changed between two versions' }).click();
  await page.getByLabel('After version').fill('1.0.0');
  await page.getByLabel('up to version').fill('2.1.0');
  await page.getByRole('button', { name: 'Show changes' }).click();
  await page.waitForURL(/\/changes\?from=1\.0\.0&to=2\.1\.0$/);
  expect(await page.locator('.entries article > h3 > a.anchor').allTextContents()).toEqual(['2.1.0', '2.0.0', '1.1.0']);
  expect(await page.locator('.marked-breaking').textContent()).toBe('Breaking changes in: 2.0.0');
  expect(await page.locator('.marked-security').textContent()).toBe('Security fixes in: 2.1.0');
  // A bound that is not a version: a clear error, the form kept.
  const bad = await page.goto(`${base}/npm/${PKG}/changes?from=soon`);
  expect(bad!.status()).toBe(400);
  expect(await page.getByRole('alert').textContent()).toContain('“soon” is not a npm version');
  expect(await page.getByLabel('After version').inputValue()).toBe('soon');
  await page.close();
});

test('a new entry arrives on an open package page, and the front page streams crawls without moving', async () => {
  const pkgPage = await newPage();
  await pkgPage.goto(`${base}/npm/${PKG}`);
  const home = await newPage();
  await home.setViewportSize({ width: 1200, height: 900 });
  await home.goto(`${base}/`);
  for (const page of [pkgPage, home]) await page.waitForFunction(() => document.body.dataset.stream === 'live', undefined, { timeout: 20_000 });
  const mainBox = await home.locator('main').boundingBox();
  await home.evaluate(() => ((window as unknown as { __shifts: number[] }).__shifts = []));

  await stack.npm.publish({ name: PKG, version: '2.2.0', description: 'Parses streams', files: { 'CHANGELOG.md': changelog(['## [2.2.0] - 2026-04-01', '### Fixed', '- Arrived live.', '']) } });
  await crawl(PKG, '2.2.0');

  await pkgPage.locator('#v2\\.2\\.0').waitFor({ timeout: 20_000 });
  expect(await pkgPage.locator('#v2\\.2\\.0').textContent()).toContain('Arrived live.');
  expect(await pkgPage.locator('#live').textContent()).toContain('2.2.0');
  expect(await pkgPage.locator('dl.facts').textContent()).toContain('2.2.0');

  const first = home.locator('#stream li').first();
  await waitFor('the crawl in the live stream', async () => ((await first.textContent())?.includes(`${PKG}@2.2.0`) ? true : undefined), 20_000);
  expect(await first.locator('a').getAttribute('href')).toBe(`/npm/${PKG}`);
  expect(await home.locator('main').boundingBox()).toEqual(mainBox);
  expect(await read<number[]>(home, '__shifts')).toEqual([]);
  await first.locator('a').click();
  await home.waitForURL(`${base}/npm/${PKG}`);
  for (const page of [pkgPage, home]) await page.close();
});

test('search works without script, and dates show in the reader\'s time zone', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByLabel('Search', { exact: true }).fill(PKG);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/\?(registry=&)?q=%40reader%2Fstream-kit/);
  await page.locator('.results').getByRole('link', { name: PKG, exact: true }).click();
  await page.waitForURL(`${base}/npm/${PKG}`);
  expect(await page.locator('.entries article').count()).toBeGreaterThanOrEqual(4);
  expect(await page.locator('table.crawls time').first().textContent()).toMatch(/UTC$/);
  await context.close();

  const tokyo = await browser.newContext({ timezoneId: 'Asia/Tokyo', locale: 'en-GB' });
  const local = await tokyo.newPage();
  await local.goto(`${base}/npm/${PKG}`);
  const time = local.locator('table.crawls time').first();
  await waitFor('the time localized', async () => ((await time.getAttribute('data-local')) ? true : undefined), 10_000);
  const iso = (await time.getAttribute('datetime'))!;
  const expected = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' }).format(new Date(iso));
  expect(await time.textContent()).toBe(expected);
  expect(await time.getAttribute('title')).toBe(iso);
  await tokyo.close();
});

test('keyboard: the skip link comes first and leads to the content', async () => {
  const page = await newPage();
  await page.goto(`${base}/npm/${PKG}`);
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
  await page.keyboard.press('Enter');
  expect(await page.evaluate(() => location.hash)).toBe('#main');
  await page.keyboard.press('Tab');
  // The next stop is inside the main content, past the site's navigation.
  expect(await page.evaluate(() => document.activeElement?.closest('main') !== null)).toBe(true);
  await page.close();
});

describe('feeds', () => {
  const get = async (pathname: string) => {
    const response = await fetch(`${base}${pathname}`);
    expect({ pathname, status: response.status, type: response.headers.get('content-type') }).toEqual({ pathname, status: 200, type: 'application/atom+xml; charset=utf-8' });
    const text = await response.text();
    expect(XMLValidator.validate(text)).toBe(true);
    return parseAtomFeed(text);
  };

  test('a package feed has its changelog entries, each linking to its anchor', async () => {
    const feed = await get(`/npm/${PKG}.atom`);
    expect(feed.title?.value).toContain(PKG);
    expect(feed.links).toEqual(expect.arrayContaining([{ rel: 'self', href: `${base}/npm/${PKG}.atom` }]));
    const entries = feed.entries ?? [];
    expect(entries.map((e) => e.links?.[0]?.href)).toEqual(expect.arrayContaining([`${base}/npm/${PKG}#v2.1.0`, `${base}/npm/${PKG}#v1.0.0`]));
    for (const entry of entries) {
      expect(entry.id).toBeTruthy();
      expect(Number.isNaN(Date.parse(entry.updated!))).toBe(false);
    }
    const newest = entries.find((e) => e.links?.[0]?.href?.endsWith('#v2.1.0'))!;
    expect(newest.content?.value).toContain('Streaming parser.');
    expect(newest.content?.value).not.toContain('onerror');
    expect(newest.updated).toBe('2026-03-02T00:00:00.000Z');
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  });

  test('the recent feed lists crawls that found a changelog, filtered by registry; pages link to both', async () => {
    const feed = await get('/feed.atom');
    const titles = (feed.entries ?? []).map((e) => e.title?.value);
    expect(titles).toContain(`${PKG} 2.1.0 (npm)`);
    expect((await get('/feed.atom?registry=npm')).entries?.length).toBe(feed.entries?.length);
    expect((await get('/feed.atom?registry=pypi')).entries ?? []).toEqual([]);
    expect((await fetch(`${base}/feed.atom?registry=cargo`)).status).toBe(400);
    const html = await (await fetch(`${base}/npm/${PKG}`)).text();
    expect(html).toContain(`<link rel="alternate" type="application/atom+xml" title="${PKG}: new changelog entries" href="/npm/${PKG}.atom">`);
    expect(await (await fetch(`${base}/`)).text()).toContain('<link rel="alternate" type="application/atom+xml" title="Recent changelogs" href="/feed.atom">');
  });

  test('answer If-None-Match with 304', async () => {
    for (const pathname of [`/npm/${PKG}`, `/npm/${PKG}.atom`, '/feed.atom', '/']) {
      const first = await fetch(`${base}${pathname}`);
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await fetch(`${base}${pathname}`, { headers: { 'if-none-match': etag } });
      expect({ pathname, status: again.status }).toEqual({ pathname, status: 304 });
    }
  });
});

test('an unknown package gets a 404 page with the CLI command and a crawl button that needs the token', async () => {
  const name = 'never-crawled-kit';
  await stack.npm.publish({ name, version: '0.3.0', files: { 'CHANGELOG.md': '# Changelog\n\n## 0.3.0 - 2026-05-01\n- Crawled from the 404 page.\n' } });
  const page = await newPage();
  const response = await page.goto(`${base}/npm/${name}`);
  expect(response!.status()).toBe(404);
  expect(await page.locator('h1').textContent()).toBe(`${name} has not been crawled`);
  expect(await page.locator('main pre.command code').textContent()).toBe(`npx changelogs crawl npm ${name}`);

  await page.getByLabel('API token').fill('wrong');
  await page.getByRole('button', { name: 'Crawl it' }).click();
  await page.getByRole('alert').waitFor();
  expect(await page.getByRole('alert').textContent()).toContain('not the API token');

  await page.getByLabel('API token').fill(TOKEN);
  await page.getByRole('button', { name: 'Crawl it' }).click();
  await page.locator('h1', { hasText: /Crawl (started|already)/ }).waitFor();
  // When the crawl ends, the page opens the package's page.
  await page.waitForURL(`${base}/npm/${name}`, { timeout: 60_000 });
  await page.locator('#v0\\.3\\.0').waitFor();
  expect(await read<string[]>(page, '__violations')).toEqual([]);
  await page.close();
});

test('no page has inline script or style, and no page has serious or critical axe violations, on a desktop or a phone', async () => {
  const pages = ['/', '/?q=stream', `/npm/${PKG}`, `/npm/${PKG}/changes?from=1.0.0&to=2.1.0`, '/npm/not-crawled-anywhere'];
  for (const pathname of pages) {
    const html = await (await fetch(`${base}${pathname}`)).text();
    expect(html).toMatch(/<script src="\/app\.js" defer><\/script>/);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  }
  for (const viewport of [{ width: 1280, height: 900 }, { width: 375, height: 740 }]) {
    const context = await browser.newContext({ viewport, isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
    const page = await newPage(context);
    for (const pathname of pages) {
      await page.goto(`${base}${pathname}`);
      expect({ pathname, viewport, violations: await seriousAxeViolations(page) }).toEqual({ pathname, viewport, violations: [] });
      // Readable on a phone: nothing wider than the screen but what scrolls on purpose (the crawl table).
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect({ pathname, viewport, overflow }).toEqual({ pathname, viewport, overflow: 0 });
    }
    expect(await read<string[]>(page, '__violations')).toEqual([]);
    await context.close();
  }
});

// Markup that got past the sanitizer, as if it had a hole: each payload notes in `__ran` that it ran.
const PAYLOADS = [
  '<img src="/no-such-image" onerror="window.__ran.push(\'img onerror\')">',
  '<svg><animate onbegin="window.__ran.push(\'svg onbegin\')" attributeName="x" dur="1s"/></svg>',
  '<script>window.__ran.push(\'inline script\')</script>',
  '<iframe srcdoc="<script>parent.__ran.push(\'iframe srcdoc\')</script>"></iframe>',
  '<object data="data:text/html,<script>parent.__ran.push(\'object\')</script>"></object>',
  '<a id="js-link" href="javascript:window.__ran.push(\'javascript link\')">click</a>',
];

describe('markup that slipped into changelog HTML', () => {
  beforeAll(async () => {
    await recordRelease(stack.pool, { registry: 'npm', name: 'slipped-markup', version: '1.0.0', entries: [{ version: '1.0.0', body: PAYLOADS.join('\n') }] });
  });

  /** Opens the package's page with every payload in it; `ran` reads what the payloads did. */
  async function openChangelog(context: BrowserContext) {
    await context.addInitScript(() => {
      const w = window as unknown as { __ran: string[]; __violations: string[] };
      w.__ran = [];
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (event) => w.__violations.push(event.effectiveDirective));
    });
    const page = await context.newPage();
    await page.goto(`${base}/npm/slipped-markup`);
    await page.locator('#js-link').click();
    const read = (name: '__ran' | '__violations') => page.evaluate((key) => (window as unknown as Record<string, string[]>)[key]!, name);
    return { page, ran: () => read('__ran'), violations: () => read('__violations') };
  }

  test('cannot run code on the page: the policy refuses each payload', async () => {
    const context = await browser.newContext();
    try {
      const { page, ran, violations } = await openChangelog(context);
      // Inline handlers are refused as they fire, the inline script as it is parsed, the javascript: link when
      // clicked, the object before it loads. The srcdoc frame inherits the policy.
      const expected = ['script-src-attr', 'script-src-elem', 'object-src'];
      let refused = new Set<string>();
      await waitFor(`the policy to refuse the payloads (${expected.join(', ')})`, async () => {
        refused = new Set(await violations());
        return expected.every((d) => refused.has(d)) ? refused : undefined;
      }, 20_000).catch((err: Error) => {
        throw new Error(`${err.message}; refused so far: ${[...refused].join(', ')}`);
      });
      await page.waitForTimeout(1_000); // the svg animation begins within its first second
      expect(await ran()).toEqual([]);
      expect(await page.title()).toBe('slipped-markup (npm) changelog · Changelogs');
    } finally {
      await context.close();
    }
  });

  test('would run without the policy (so the test above shows the policy at work)', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    try {
      const { ran } = await openChangelog(context);
      await waitFor('the payloads to run', async () => {
        const done = await ran();
        return ['img onerror', 'svg onbegin', 'inline script', 'javascript link'].every((p) => done.includes(p)) ? done : undefined;
      }, 20_000);
    } finally {
      await context.close();
    }
  });
});
