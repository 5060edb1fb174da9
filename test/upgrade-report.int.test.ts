// The upgrade report on the real stack: the project's own package-lock.json against the npm simulator, every
// package crawled on demand and the report complete once the live stream has carried their results; the other
// lockfile formats through the CLI against the RubyGems and PyPI simulators; the /upgrade page in Chromium.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { parseLockfile } from '../upgrade/lockfiles';
import { seriousAxeViolations } from './support/axe';
import { requireEnv } from './support/env';
import { startStack, type TestStack } from './support/stack';
import { CRAWLS_SUBSCRIPTION, subscribe } from './support/subscriptions';
import { waitFor } from './support/waitFor';

const TOKEN = 'upgrade-test';
const ROOT = path.join(__dirname, '..');
const FIXTURES = path.join(__dirname, 'fixtures', 'lockfiles');
/** Set to a directory to keep a screenshot of the /upgrade page (the README's comes from here). */
const SCREENSHOTS = process.env.WEB_SCREENSHOT_DIR;

const REPORT = `query ($lockfile: String!, $format: LockfileFormat, $fileName: String, $crawl: Boolean) {
  upgradeReport(lockfile: $lockfile, format: $format, fileName: $fileName, crawl: $crawl) {
    format registry complete crawlsStarted skipped hint
    summary { dependencies upToDate withChanges breaking crawling noChangelog notCrawled entries }
    dependencies { name lockedVersion latestVersion status outcome workflowId breakingCount securityCount note entries { version breaking security } }
  }
}`;

interface Dependency {
  name: string;
  lockedVersion: string;
  latestVersion: string | null;
  status: string;
  outcome: string | null;
  workflowId: string | null;
  breakingCount: number;
  securityCount: number;
  note: string | null;
  entries: { version: string; breaking: boolean; security: boolean }[];
}
interface Report {
  format: string;
  registry: string;
  complete: boolean;
  crawlsStarted: number;
  skipped: string[];
  hint: string | null;
  summary: { dependencies: number; upToDate: number; withChanges: number; breaking: number; crawling: number; noChangelog: number; notCrawled: number; entries: number };
  dependencies: Dependency[];
}

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ env: { API_TOKEN: TOKEN } });
});
afterAll(async () => {
  await stack?.stop();
});

async function report(variables: Record<string, unknown>, token: string | null = TOKEN) {
  return stack.graphql<{ upgradeReport: Report }>(REPORT, variables, token ? { authorization: `Bearer ${token}` } : {});
}

/** A Keep a Changelog file with one entry per version, newest first; `kinds` marks some breaking or security. */
function changelog(versions: string[], kinds: Record<string, 'breaking' | 'security'> = {}): string {
  const entries = [...versions].reverse().map((version, i) => {
    const kind = kinds[version];
    const section = kind === 'breaking' ? '### BREAKING CHANGES\n- Dropped the old API.' : kind === 'security' ? '### Security\n- Fixed a prototype pollution.' : '### Fixed\n- A bug.';
    return `## [${version}] - 2026-0${1 + (i % 9)}-1${i % 10}\n${section}\n`;
  });
  return `# Changelog\n\n${entries.join('\n')}`;
}

const bump = (version: string, part: 'major' | 'minor' | 'patch') => {
  const [major, minor, patch] = /^(\d+)\.(\d+)\.(\d+)/.exec(version)!.slice(1).map(Number) as [number, number, number];
  return part === 'major' ? `${major + 1}.0.0` : part === 'minor' ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
};

const semverKey = (v: string) => /^(\d+)\.(\d+)\.(\d+)/.exec(v)!.slice(1).map(Number);
const bySemver = (a: string, b: string) => {
  const [x, y] = [semverKey(a), semverKey(b)];
  return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]! || (a < b ? -1 : a > b ? 1 : 0);
};

type Plan = 'up-to-date' | 'minor' | 'major' | 'no-changelog' | 'security';
const PLANS: Plan[] = ['up-to-date', 'minor', 'major', 'no-changelog', 'security'];

test("the project's own package-lock.json: crawled on demand, complete once the live stream carried every result", async () => {
  const text = fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8');
  const locked = parseLockfile(text, { fileName: 'package-lock.json' }).dependencies;
  const versionsByName = new Map<string, string[]>();
  for (const d of locked) versionsByName.set(d.name, [...(versionsByName.get(d.name) ?? []), d.version].sort(bySemver));
  expect(versionsByName.size).toBeGreaterThan(100);

  // Publish every locked version of every package, then, by plan, a newer one; the latest carries the changelog.
  const plans = new Map<string, { plan: Plan; latest: string; versions: string[] }>();
  [...versionsByName].forEach(([name, versions], i) => {
    const plan = PLANS[i % PLANS.length]!;
    const newest = versions.at(-1)!;
    const latest = plan === 'up-to-date' ? newest : bump(newest, plan === 'major' ? 'major' : plan === 'minor' ? 'minor' : 'patch');
    plans.set(name, { plan, latest, versions: latest === newest ? versions : [...versions, latest] });
  });
  for (const [name, { plan, latest, versions }] of plans) {
    for (const version of versions) {
      const kinds = { [latest]: plan === 'major' ? ('breaking' as const) : plan === 'security' ? ('security' as const) : undefined };
      const files: Record<string, string> = { 'README.md': `# ${name}\n` };
      if (version === latest && plan !== 'no-changelog') files['CHANGELOG.md'] = changelog(versions, kinds as Record<string, 'breaking' | 'security'>);
      await stack.npm.publish({ name, version, files });
    }
  }

  // Without the token: what is known (nothing), and how to get the rest.
  const anonymous = await report({ lockfile: text, fileName: 'package-lock.json' }, null);
  expect(anonymous.errors).toBeUndefined();
  expect(anonymous.data!.upgradeReport).toMatchObject({ format: 'PACKAGE_LOCK', registry: 'NPM', crawlsStarted: 0, complete: true });
  expect(anonymous.data!.upgradeReport.hint).toMatch(/Authorization: Bearer/);
  expect(new Set(anonymous.data!.upgradeReport.dependencies.map((d) => d.status))).toEqual(new Set(['NOT_CRAWLED']));

  // With it: one crawl per package (its latest release), each reported crawling; results arrive on the stream.
  const stream = subscribe(stack.api.url, CRAWLS_SUBSCRIPTION, { registry: 'NPM' });
  try {
    const started = await report({ lockfile: text });
    expect(started.errors).toBeUndefined();
    const first = started.data!.upgradeReport;
    expect(first.crawlsStarted).toBe(plans.size);
    expect(first.complete).toBe(false);
    expect(first.summary.crawling).toBe(locked.length);
    for (const d of first.dependencies) {
      expect(d).toMatchObject({ status: 'CRAWLING', latestVersion: plans.get(d.name)!.latest, workflowId: `crawl:npm:${d.name}@${plans.get(d.name)!.latest}` });
    }
    const waitedFor = new Set(first.dependencies.map((d) => d.workflowId!));
    await waitFor(
      'every crawl the report started on the live stream',
      async () => (waitedFor.size > 0 && [...waitedFor].every((id) => stream.received.some((e) => e.workflowId === id)) ? true : undefined),
      540_000,
      500,
    );
  } finally {
    await stream.close();
  }

  const done = await report({ lockfile: text, fileName: 'package-lock.json' });
  expect(done.errors).toBeUndefined();
  const final = done.data!.upgradeReport;
  expect(final).toMatchObject({ complete: true, crawlsStarted: 0, hint: null });
  expect(final.summary.crawling + final.summary.notCrawled).toBe(0);
  for (const d of final.dependencies) {
    const { plan, latest, versions } = plans.get(d.name)!;
    expect(d.latestVersion).toBe(latest);
    const newer = versions.filter((v) => bySemver(v, d.lockedVersion) > 0);
    if (newer.length === 0) {
      expect(d).toMatchObject({ status: 'UP_TO_DATE', entries: [] });
    } else if (plan === 'no-changelog') {
      expect(d).toMatchObject({ status: 'NO_CHANGELOG', outcome: 'NOT_FOUND', entries: [] });
    } else {
      expect(d.status).toBe('CHANGES');
      // Breaking first, then newest first.
      const expected = [...newer].reverse();
      if (plan === 'major') expect(d.entries[0]).toEqual({ version: latest, breaking: true, security: false });
      expect(d.entries.map((e) => e.version)).toEqual(expected);
      expect(d.breakingCount).toBe(plan === 'major' ? 1 : 0);
      expect(d.securityCount).toBe(plan === 'security' ? 1 : 0);
    }
  }
  // Dependencies with breaking changes come first.
  const firstWithout = final.dependencies.findIndex((d) => d.breakingCount === 0);
  expect(firstWithout).toBeGreaterThan(0);
  expect(final.dependencies.slice(firstWithout).every((d) => d.breakingCount === 0)).toBe(true);
  expect(final.summary.breaking).toBe(firstWithout);
}, 600_000);

test('a malformed lockfile is a clear error naming its line; a wrong token is refused', async () => {
  const malformed = await report({ lockfile: fs.readFileSync(path.join(FIXTURES, 'Gemfile.malformed.lock'), 'utf8'), fileName: 'Gemfile.lock' });
  expect(malformed.data).toBeNull();
  expect(malformed.errors).toEqual([
    expect.objectContaining({
      message: 'Gemfile.lock:5: expected a gem and its version, "name (1.2.3)", found "nokogiri 1.15.4"',
      extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', fileName: 'Gemfile.lock', line: 5 }),
    }),
  ]);
  const json = await report({ lockfile: '{"lockfileVersion": 3, "packages": {', format: 'PACKAGE_LOCK' });
  expect(json.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
  expect(json.errors![0]!.message).toMatch(/^package-lock\.json:1: not valid JSON/);

  const wrongToken = await report({ lockfile: 'requests==2.31.0\n' }, 'not-the-token');
  expect(wrongToken.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
});

const execFileAsync = promisify(execFile);

/** `npx changelogs upgrade-report …` as a user runs it, against the test stack's Postgres and Temporal. */
async function cli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [path.join(ROOT, 'bin', 'changelogs.js'), 'upgrade-report', ...args], {
      env: { ...process.env, ...stack.env },
      cwd: ROOT,
      timeout: 300_000,
    });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const failed = err as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

test('Gemfile.lock, requirements.txt, poetry.lock and uv.lock through the CLI: --wait crawls and prints the complete report', async () => {
  const gems: [string, string[], string][] = [
    ['loofah', ['2.21.3', '2.22.0'], 'minor'],
    ['crass', ['1.0.6'], ''],
    ['nokogiri', ['1.15.4', '1.16.0'], 'security'],
    ['racc', ['1.7.1', '1.7.3'], ''],
    ['rack', ['3.0.8', '3.1.0', '4.0.0'], 'breaking'],
    ['rails-dom-testing', ['2.2.0.rc1', '2.2.0'], ''],
  ];
  for (const [name, versions, kind] of gems) {
    for (const version of versions) {
      const latest = version === versions.at(-1);
      const kinds: Record<string, 'breaking' | 'security'> = kind === 'breaking' || kind === 'security' ? { [version]: kind } : {};
      await stack.upstreams.publish({ registry: 'rubygems', name, version, files: latest ? { 'CHANGELOG.md': changelog(versions, kinds) } : { 'README.md': name } });
    }
  }
  const gemReport = await cli(path.join(FIXTURES, 'Gemfile.lock'), '--wait', '--markdown');
  expect(gemReport.stderr).toContain('started 6 crawls');
  expect(gemReport.code).toBe(0);
  const markdown = gemReport.stdout;
  expect(markdown).toContain('### Upgrade report: `Gemfile.lock`');
  expect(markdown).toContain('6 rubygems dependencies: 5 with changes (1 breaking), 1 up to date');
  // Breaking changes first; a gem prerelease sorts before its release.
  const rows = markdown.split('\n').filter((line) => line.startsWith('| '));
  expect(rows.slice(1, 3)).toEqual(['| ⚠️ | rack | 3.0.8 → 4.0.0 | 2 entries, 1 breaking |', expect.stringContaining('| nokogiri | 1.15.4 → 1.16.0 | 1 entry, 1 security |')]);
  expect(rows).toContainEqual('| 📝 | rails-dom-testing | 2.2.0.rc1 → 2.2.0 | 1 entry |');
  expect(markdown).toContain('#### 4.0.0 (');
  expect(markdown).toMatch(/#### 4\.0\.0 \(\d{4}-\d{2}-\d{2}\) — \*\*breaking\*\*\n\n> ### BREAKING CHANGES\n> - Dropped the old API\./);
  expect(markdown).toContain('Up to date: crass.');
  expect(markdown).toContain('- Gemfile.lock:6: rails-html-sanitizer comes from a git repository');

  const projects: [string, string[], string][] = [
    ['certifi', ['2024.2.2', '2024.7.4'], ''],
    ['Django', ['4.2.10', '5.0'], 'breaking'],
    ['requests', ['2.31.0', '2.32.0'], 'security'],
    ['zope.interface', ['6.1'], ''],
    ['pytest', ['7.4.4', '8.0.0'], 'breaking'],
    ['Flask-Login', ['0.6.3'], ''],
    ['mirrored', ['1.0.0', '1.0.1'], ''],
    ['anyio', ['4.3.0', '4.4.0'], ''],
    ['idna', ['3.6', '3.7'], 'security'],
  ];
  for (const [name, versions, kind] of projects) {
    for (const version of versions) {
      const latest = version === versions.at(-1);
      const kinds: Record<string, 'breaking' | 'security'> = kind === 'breaking' || kind === 'security' ? { [version]: kind } : {};
      await stack.upstreams.publish({ registry: 'pypi', name, version, files: latest ? { 'CHANGELOG.md': changelog(versions, kinds) } : { 'README.md': name } });
    }
  }
  const requirements = await cli(path.join(FIXTURES, 'requirements.txt'), '--wait');
  expect(requirements.code).toBe(0);
  expect(requirements.stdout).toContain('4 pypi dependencies: 3 with changes (1 breaking), 1 up to date');
  expect(requirements.stdout.split('\n')[1]).toMatch(/^! django\s+4\.2\.10 → 5\.0\s+1 entry, 1 breaking$/);
  expect(requirements.stdout).toContain('skipped: requirements.txt:11: urllib3>=2 is not pinned');

  const poetry = await cli(path.join(FIXTURES, 'poetry.lock'), '--wait', '--markdown');
  expect(poetry.code).toBe(0);
  expect(poetry.stdout).toContain('4 pypi dependencies: 3 with changes (1 breaking), 1 up to date');
  expect(poetry.stdout).toContain('| ⚠️ | pytest (dev) | 7.4.4 → 8.0.0 | 1 entry, 1 breaking |');
  expect(poetry.stdout).toContain('Up to date: flask-login.');

  const uv = await cli(path.join(FIXTURES, 'uv.lock'), '--wait');
  expect(uv.code).toBe(0);
  expect(uv.stdout).toContain('2 pypi dependencies: 2 with changes, 0 up to date');
  expect(uv.stdout).toMatch(/idna\s+3\.6 → 3\.7\s+1 entry, 1 security/);

  const malformed = await cli(path.join(FIXTURES, 'uv.malformed.lock'), '--format', 'uv-lock');
  expect(malformed).toMatchObject({ code: 1, stderr: 'uv.malformed.lock:9: idna has no version\n' });
}, 600_000);

test('the /upgrade page: a dropped-in lockfile, crawled on demand, fills in as the crawls end', async () => {
  const packages: [string, string[]][] = [['page-alpha', ['1.0.0', '2.0.0']], ['page-beta', ['0.3.0', '0.3.1']]];
  for (const [name, versions] of packages) {
    for (const version of versions) {
      await stack.npm.publish({ name, version, files: { 'CHANGELOG.md': changelog(versions.slice(0, versions.indexOf(version) + 1), { '2.0.0': 'breaking' }) } });
    }
  }
  const lockfile = JSON.stringify({
    lockfileVersion: 3,
    packages: { '': { name: 'app' }, 'node_modules/page-alpha': { version: '1.0.0' }, 'node_modules/page-beta': { version: '0.3.0' } },
  });
  const browser = await chromium.launch({
    executablePath: requireEnv('CHROMIUM_PATH'),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (event) => w.__violations.push(event.effectiveDirective));
    });
    const page = await context.newPage();
    const response = await page.goto(stack.api.url.replace(/\/graphql$/, '/upgrade'));
    expect(response!.status()).toBe(200);
    expect(response!.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('#file').setInputFiles({ name: 'package-lock.json', mimeType: 'application/json', buffer: Buffer.from(lockfile) });
    await waitFor('the file to be read', async () => ((await page.getByLabel('Paste a lockfile, or drop one here').inputValue()) === lockfile ? true : undefined), 10_000);
    await page.getByLabel(/API token/).fill(TOKEN);
    await page.getByRole('button', { name: 'Report' }).click();
    await page.locator('.dependency').first().waitFor();
    const statuses = () => page.locator('.dependency summary').allTextContents();
    const filled = await waitFor('the report to fill in', async () => {
      const now = await statuses();
      return now.length === 2 && now.every((s) => !s.includes('crawling')) ? now : undefined;
    }, 120_000);
    expect(filled).toEqual(['page-alpha 1.0.0 → 2.0.0 1 entry1 breaking', 'page-beta 0.3.0 → 0.3.1 1 entry']);
    expect(await page.locator('#summary').textContent()).toMatch(/^2 npm dependencies: 2 with changes \(1 with breaking changes\), 0 up to date\./);
    // The breaking one is open, its entry marked.
    expect(await page.locator('.dependency[open] .entry.breaking > h3').allTextContents()).toEqual([expect.stringMatching(/^2\.0\.0 \(.*\)breaking$/)]);
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    expect(await seriousAxeViolations(page)).toEqual([]);
    if (SCREENSHOTS) {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await page.setViewportSize({ width: 1100, height: 900 });
      await page.screenshot({ path: path.join(SCREENSHOTS, 'upgrade-page.png'), fullPage: true });
    }
  } finally {
    await browser.close();
  }
}, 300_000);
