// The web page in a real browser (Chromium, driven by playwright-core): search, a package's changelog with its
// sanitized HTML, and the live stream of crawls.
import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { startStack, type TestStack } from './support/stack';
import { waitFor } from './support/waitFor';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

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
  if (!fs.existsSync(CHROMIUM)) throw new Error(`browser tests need Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
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
