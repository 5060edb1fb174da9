// The web page in a real browser (Chromium, driven by playwright-core): search, a package's changelog with its
// sanitized HTML, the live stream of crawls, and the security policy that keeps markup from running code.
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { recordRelease } from './support/releases';
import { requireEnv } from './support/env';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';

// Found (or installed) by the global setup before any test runs.
const CHROMIUM = requireEnv('CHROMIUM_PATH');

const CHANGELOG = `# Changelog

## [2.1.0] - 2026-03-02
### Added
- Streaming parser. <img src=x onerror="document.title='pwned'">

## [2.0.0] - 2026-01-31
### Changed
- Dropped Node 18. [docs](javascript:document.title='pwned')
`;

let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack({ env: { API_TOKEN: 'web-test' } });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function crawl(name: string, version: string): Promise<void> {
  const { data, errors } = await stack.graphql<{ crawl: { workflowId: string } }>(
    'mutation ($name: String!, $version: String) { crawl(registry: NPM, name: $name, version: $version) { workflowId } }',
    { name, version },
    { authorization: 'Bearer web-test' },
  );
  expect(errors).toBeUndefined();
  await expect(stack.temporal.workflow.getHandle(data!.crawl.workflowId).result()).resolves.toBe('found');
}

test('a reader finds a package, reads its changelog, and watches crawls arrive live', async () => {
  await stack.npm.publish({ name: 'stream-parse-kit', version: '2.1.0', description: 'Parses streams', files: { 'CHANGELOG.md': CHANGELOG } });
  await crawl('stream-parse-kit', '2.1.0');

  const page = await browser.newPage();
  const base = stack.api.url.replace(/\/graphql$/, '/');
  await page.goto(base);
  await page.getByLabel('Search').fill('stream-parse-kit');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: 'stream-parse-kit' }).click();

  await page.locator('#result article').first().waitFor();
  expect(await page.locator('#result article > h3').allTextContents()).toEqual(['2.1.0 (2026-03-02)', '2.0.0 (2026-01-31)']);
  expect(await page.locator('#result article').first().textContent()).toContain('Streaming parser.');
  // The changelog's script never ran, and its dangerous link is gone.
  expect(await page.title()).toBe('Changelogs');
  expect(await page.locator('#result a[href^="javascript:"]').count()).toBe(0);
  expect(await page.locator('#result [onerror]').count()).toBe(0);

  // A crawl made while the page is open shows up in the live list.
  await waitFor('the live stream to connect', async () => ((await page.locator('#stream-status').textContent()) === 'live' ? true : undefined), 20_000);
  await stack.npm.publish({ name: 'live-one', version: '1.0.0', files: { 'CHANGELOG.md': CHANGELOG.replace(/2\.1\.0/g, '1.0.0').replace(/2\.0\.0/g, '0.9.0') } });
  await crawl('live-one', '1.0.0');
  const live = await waitFor('the crawl in the live list', async () => {
    const items = await page.locator('#stream li').allTextContents();
    return items.length > 0 ? items : undefined;
  }, 20_000);
  expect(live).toEqual([expect.stringContaining('live-one@1.0.0')]);
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

  /** Opens the package's changelog with every payload in it; `ran` reads what the payloads did. */
  async function openChangelog(context: BrowserContext) {
    await context.addInitScript(() => {
      const w = window as unknown as { __ran: string[]; __violations: string[] };
      w.__ran = [];
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (event) => w.__violations.push(event.effectiveDirective));
    });
    const page = await context.newPage();
    await page.goto(stack.api.url.replace(/\/graphql$/, '/'));
    await page.getByLabel('Search').fill('slipped-markup');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('button', { name: 'slipped-markup' }).click();
    await page.locator('#result article').first().waitFor();
    await page.locator('#js-link').click();
    const read = (name: '__ran' | '__violations') => page.evaluate((key) => (window as unknown as Record<string, string[]>)[key]!, name);
    return { page, ran: () => read('__ran'), violations: () => read('__violations') };
  }

  test('cannot run code on the page: the policy refuses each payload', async () => {
    const context = await browser.newContext();
    try {
      const { page, ran, violations } = await openChangelog(context);
      // Inline handlers are refused as they fire, the javascript: link when clicked, the object before it
      // loads. The srcdoc frame inherits the policy, so its script is refused inside the frame.
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
      expect(await page.title()).toBe('Changelogs');
    } finally {
      await context.close();
    }
  });

  test('would run without the policy (so the test above shows the policy at work)', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    try {
      const { ran } = await openChangelog(context);
      const seen = await waitFor('the payloads to run', async () => {
        const done = await ran();
        return ['img onerror', 'svg onbegin', 'javascript link'].every((p) => done.includes(p)) ? done : undefined;
      }, 20_000);
      expect(seen).not.toContain('inline script'); // a script inserted through innerHTML never runs, policy or not
    } finally {
      await context.close();
    }
  });
});
