import { readTar } from './archives';
import { startUpstreams, type Upstreams } from './index';
import { generateReleases, runScenario } from './scenario';

const WEB = 'http://127.0.0.1:9';

test('the same seed generates the same releases; another seed does not', () => {
  const a = generateReleases({ seed: 42, githubWebUrl: WEB }, 300);
  const b = generateReleases({ seed: 42, githubWebUrl: WEB }, 300);
  const c = generateReleases({ seed: 43, githubWebUrl: WEB }, 300);
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
});

test('a scenario mixes registries, new packages and new versions, formats and changelog sources', () => {
  const releases = generateReleases({ seed: 7, githubWebUrl: WEB }, 600);
  const count = (key: (r: (typeof releases)[number]) => string) => new Set(releases.map(key)).size;
  expect(count((r) => r.release.registry)).toBe(3);
  expect(count((r) => r.format)).toBe(5);
  expect(count((r) => r.source)).toBe(7);
  expect(count((r) => `${r.release.registry}:${r.release.name}`)).toBeLessThan(releases.length * 0.6);
  // Every name@version is published once.
  expect(count((r) => `${r.release.registry}:${r.release.name}@${r.release.version}`)).toBe(releases.length);
  const monorepo = releases.find((r) => r.source === 'monorepo')!.release;
  expect(monorepo.registry === 'npm' && monorepo.repository).toMatchObject({ directory: expect.stringMatching(/^packages\//) });
  expect(releases.some((r) => r.release.registry === 'pypi' && /rc\d$/.test(r.release.version))).toBe(true);
  expect(releases.some((r) => r.release.registry === 'npm' && /-beta\.\d$/.test(r.release.version))).toBe(true);
});

test('only the registries asked for get releases', () => {
  const releases = generateReleases({ seed: 1, githubWebUrl: WEB, registries: ['pypi'] }, 50);
  expect(new Set(releases.map((r) => r.release.registry))).toEqual(new Set(['pypi']));
});

describe('published over HTTP', () => {
  let upstreams: Upstreams;
  beforeAll(async () => {
    upstreams = await startUpstreams({ rubygems: { requestsPerSecond: null } });
  });
  afterAll(async () => {
    await upstreams.close();
  });

  test('env points at every upstream', () => {
    expect(Object.keys(upstreams.env).sort()).toEqual(
      ['GITHUB_API_URL', 'GITHUB_RAW_URL', 'GITHUB_WEB_URL', 'NPM_REGISTRY_URL', 'NPM_REPLICATE_URL', 'PYPI_FILES_URL', 'PYPI_URL', 'RUBYGEMS_URL'],
    );
    for (const url of Object.values(upstreams.env)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+(\/registry)?$/);
  });

  test('500 releases across three registries show up in each registry’s discovery endpoint', async () => {
    const scenario = runScenario(upstreams, { releases: 500, perSecond: Infinity, seed: 3 });
    await scenario.done;
    expect(scenario.published).toHaveLength(500);
    const byRegistry = (registry: string) => scenario.published.filter((r) => r.registry === registry);

    const npmNames = new Set(byRegistry('npm').map((r) => r.name));
    const feed = (await (await fetch(`${upstreams.env.NPM_REPLICATE_URL}/_changes?since=0&limit=10000`)).json()) as { results: { id: string }[] };
    expect(new Set(feed.results.map((r) => r.id))).toEqual(npmNames);

    const gems = (await (await fetch(`${upstreams.env.RUBYGEMS_URL}/api/v1/activity/just_updated.json`)).json()) as { name: string; version: string }[];
    const lastGem = byRegistry('rubygems').at(-1)!;
    expect(gems[0]).toMatchObject({ name: lastGem.name, version: lastGem.version });

    const rss = await (await fetch(`${upstreams.env.PYPI_URL}/rss/updates.xml`)).text();
    const lastPypi = byRegistry('pypi').at(-1)!;
    expect(rss).toContain(`<title>${lastPypi.name} ${lastPypi.version}</title>`);
  });

  test('a release whose changelog lives in its repository can be found there', async () => {
    const scenario = runScenario(upstreams, { releases: 80, perSecond: Infinity, seed: 11, registries: ['npm'] });
    const found: { name: string; version: string; repo: string; path: string; tag: string }[] = [];
    await scenario.done;
    const releases = generateReleases({ seed: 11, githubWebUrl: upstreams.github.webUrl, registries: ['npm'] }, 80);
    for (const { release, source } of releases) {
      if (source !== 'monorepo' || !release.github) continue;
      const path = Object.keys(release.github.files ?? {}).find((p) => /CHANGELOG|History|CHANGES|NEWS/i.test(p))!;
      found.push({ name: release.name, version: release.version, repo: release.github.repo, path, tag: release.github.tag! });
    }
    const sample = found[0]!;
    const raw = await fetch(`${upstreams.env.GITHUB_RAW_URL}/${sample.repo}/${sample.tag}/${sample.path}`);
    expect(raw.status).toBe(200);
    expect(await raw.text()).toContain(sample.version);
    // …and not in the tarball.
    const packument = (await (await fetch(`${upstreams.env.NPM_REGISTRY_URL}/${sample.name.replace('/', '%2f')}`)).json()) as { versions: Record<string, { dist: { tarball: string } }> };
    const tarball = await readTar(Buffer.from(await (await fetch(packument.versions[sample.version]!.dist.tarball)).arrayBuffer()));
    expect([...tarball.keys()].some((k) => /CHANGELOG|History|CHANGES|NEWS/i.test(k))).toBe(false);
  });

  test('a paced scenario publishes steadily and stops when asked', async () => {
    const scenario = runScenario(upstreams, { perSecond: 20, seed: 99, registries: ['rubygems'] });
    await new Promise((resolve) => setTimeout(resolve, 260));
    await scenario.stop();
    const count = scenario.published.length;
    expect(count).toBeGreaterThanOrEqual(3);
    expect(count).toBeLessThanOrEqual(8);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(scenario.published).toHaveLength(count);
  });
});
