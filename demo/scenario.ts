// Realistic releases across the registries, generated from a seed and published over time: new packages and new
// versions of known ones, changelogs in the formats packages use, found in the archive, through a link, in the
// repository (monorepos included), only as GitHub releases, or nowhere.
import { type ChangelogEntry, type ChangelogFormat, FILE_NAMES, releaseNotes, renderChangelog } from './changelogText';
import type { GitHubSide, Registry, ReleaseRef, UpstreamRelease, Upstreams } from './index';
import { Random } from './random';
import { OWNERS, SCOPES, changeItems, packageName, summary } from './scenarioWords';

/** Where a crawler can find the package's changelog. */
export type ChangelogSource = 'archive' | 'archive-and-link' | 'link' | 'repo' | 'monorepo' | 'releases' | 'none';

export interface GenerateOptions {
  seed?: number;
  registries?: Registry[];
  /** The GitHub simulator's web base, which repository and changelog links point into. */
  githubWebUrl: string;
  /** The first release's date in changelogs; later ones follow minutes to hours apart. */
  startDate?: string;
  /** The share of releases that are a new package's first (default 0.35). */
  newPackageShare?: number;
}

export interface ScenarioRelease {
  release: UpstreamRelease;
  source: ChangelogSource;
  format: ChangelogFormat;
}

interface PackageState {
  registry: Registry;
  name: string;
  source: ChangelogSource;
  format: ChangelogFormat;
  fileName: string;
  repo: string;
  directory: string | null;
  summary: string;
  version: Version;
  entries: ChangelogEntry[];
  repositoryStyle: 'shorthand' | 'object';
}

interface Version {
  parts: [number, number, number];
  pre: number | null;
  calendar: boolean;
}

const SOURCES: Record<Registry, Partial<Record<ChangelogSource, number>>> = {
  npm: { archive: 45, repo: 15, monorepo: 12, releases: 12, none: 8 },
  rubygems: { archive: 35, 'archive-and-link': 20, link: 20, releases: 12, none: 8 },
  pypi: { archive: 35, link: 25, repo: 10, releases: 12, none: 8 },
};

const FORMATS: Record<Registry, Partial<Record<ChangelogFormat, number>>> = {
  npm: { 'keep-a-changelog': 35, conventional: 40, 'history-setext': 15, 'plain-headings': 10 },
  rubygems: { 'keep-a-changelog': 40, 'plain-headings': 35, 'history-setext': 15, conventional: 10 },
  pypi: { rst: 45, 'keep-a-changelog': 25, 'plain-headings': 20, conventional: 10 },
};

const CHANGELOG_LABELS = ['Changelog', 'Change Log', 'Changes', "What's New", 'History'];
const SOURCE_LABELS = ['Source', 'Source Code', 'Repository', 'GitHub'];

function formatVersion(registry: Registry, v: Version): string {
  const base = v.parts.join('.');
  if (v.pre === null) return base;
  if (registry === 'npm') return `${base}-beta.${v.pre}`;
  if (registry === 'rubygems') return `${base}.beta${v.pre}`;
  return `${base}rc${v.pre}`;
}

function bump(random: Random, v: Version, date: Date): Version {
  if (v.calendar) {
    const [year, month, n] = v.parts;
    const now: [number, number] = [date.getUTCFullYear(), date.getUTCMonth() + 1];
    return { ...v, parts: year === now[0] && month === now[1] ? [year, month, n + 1] : [...now, 0] };
  }
  const [major, minor, patch] = v.parts;
  if (v.pre !== null) return random.chance(0.5) ? { ...v, pre: v.pre + 1 } : { ...v, pre: null };
  const kind = random.weighted({ patch: 60, minor: 28, major: 5, pre: 7 });
  if (kind === 'patch') return { ...v, parts: [major, minor, patch + 1] };
  if (kind === 'minor') return { ...v, parts: [major, minor + 1, 0] };
  return { ...v, parts: [major + 1, 0, 0], pre: kind === 'pre' ? 1 : null };
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** An endless, seed-determined sequence of releases. */
export function* scenarioReleases(options: GenerateOptions): Generator<ScenarioRelease> {
  const random = new Random(options.seed ?? 1);
  const registries = options.registries ?? ['npm', 'rubygems', 'pypi'];
  // Each registry's packages, in the order they appeared (a list per registry, so picking one stays cheap at
  // hundreds of thousands of packages).
  const packagesOf = new Map<Registry, PackageState[]>(registries.map((r) => [r, []]));
  const newPackageShare = options.newPackageShare ?? 0.35;
  const names = new Set<string>();
  const monorepos = new Map<string, string>();
  let clock = Date.parse(options.startDate ?? '2026-01-05T09:00:00Z');

  function newPackage(registry: Registry): PackageState {
    const source = random.weighted(SOURCES[registry]);
    let name = packageName(random, registry);
    let scope: string | null = null;
    if (source === 'monorepo' || (registry === 'npm' && random.chance(0.15))) {
      scope = random.pick(SCOPES);
      name = `@${scope}/${name.split('-').slice(1).join('-') || name}`;
    }
    while (names.has(`${registry}:${name}`)) name = `${name}${random.int(2, 9)}`;
    names.add(`${registry}:${name}`);
    const format = random.weighted(FORMATS[registry]);
    const bare = name.replace(/^@[^/]+\//, '');
    let repo = `${random.pick(OWNERS)}/${bare}`;
    if (source === 'monorepo' && scope !== null) {
      repo = monorepos.get(scope) ?? `${scope}-js/${scope}`;
      monorepos.set(scope, repo);
    }
    const state: PackageState = {
      registry,
      name,
      source,
      format,
      fileName: random.pick(FILE_NAMES[format]),
      repo,
      directory: source === 'monorepo' ? `packages/${bare}` : null,
      summary: summary(random, bare),
      version: {
        parts: random.pick<[number, number, number]>([[0, 1, 0], [1, 0, 0], [0, 4, 2], [2, 3, 0], [5, 1, 1]]),
        pre: null,
        calendar: registry === 'pypi' && random.chance(0.1),
      },
      entries: [],
      repositoryStyle: random.chance(0.5) ? 'shorthand' : 'object',
    };
    if (state.version.calendar) state.version.parts = [2025, random.int(1, 12), 0];
    // Packages arrive with some history: older entries, a few weeks apart.
    const history = random.int(0, 6);
    let past = clock - history * 30 * 86_400_000;
    for (let i = 0; i < history; i++) {
      state.entries.unshift({ version: formatVersion(registry, state.version), date: day(new Date(past)), items: changeItems(random) });
      past += random.int(5, 40) * 86_400_000;
      state.version = bump(random, state.version, new Date(past));
    }
    packagesOf.get(registry)!.push(state);
    return state;
  }

  for (;;) {
    clock += random.int(17, 180) * 60_000;
    const registry = random.pick(registries);
    const known = packagesOf.get(registry)!;
    const fresh = known.length < 5 || random.chance(newPackageShare);
    const pkg = fresh ? newPackage(registry) : random.pick(known);
    if (!fresh) pkg.version = bump(random, pkg.version, new Date(clock));
    const version = formatVersion(registry, pkg.version);
    const entry: ChangelogEntry = { version, date: day(new Date(clock)), items: changeItems(random) };
    pkg.entries.unshift(entry);
    yield { release: releaseOf(pkg, entry, options.githubWebUrl), source: pkg.source, format: pkg.format };
  }
}

/** The first `count` releases of a scenario. */
export function generateReleases(options: GenerateOptions, count: number): ScenarioRelease[] {
  const releases: ScenarioRelease[] = [];
  for (const release of scenarioReleases(options)) {
    if (releases.length === count) break;
    releases.push(release);
  }
  return releases;
}

function releaseOf(pkg: PackageState, entry: ChangelogEntry, webUrl: string): UpstreamRelease {
  const repoUrl = `${webUrl}/${pkg.repo}`;
  const changelog = renderChangelog(pkg.format, pkg.entries, repoUrl);
  const inArchive = pkg.source === 'archive' || pkg.source === 'archive-and-link';
  const tag = pkg.source === 'monorepo' ? `${pkg.name}@${entry.version}` : `v${entry.version}`;
  const changelogPath = pkg.directory ? `${pkg.directory}/${pkg.fileName}` : pkg.fileName;
  const readme = `# ${pkg.name}\n\n${pkg.summary}.\n`;
  const github: GitHubSide = {
    repo: pkg.repo,
    tag,
    files: {
      [pkg.directory ? `${pkg.directory}/README.md` : 'README.md']: readme,
      ...(pkg.source !== 'releases' && pkg.source !== 'none' && { [changelogPath]: changelog }),
    },
    ...(pkg.source === 'releases' && { release: { tag_name: tag, name: entry.version, body: releaseNotes(entry, repoUrl), prerelease: /[a-z]/i.test(entry.version) } }),
  };
  const changelogLink = pkg.source === 'releases' ? `${repoUrl}/releases` : `${repoUrl}/blob/${tag}/${changelogPath}`;
  const withChangelog = (files: Record<string, string>) => (inArchive ? { ...files, [pkg.fileName]: changelog } : files);

  if (pkg.registry === 'npm') {
    const repository =
      pkg.repositoryStyle === 'shorthand' && !pkg.directory
        ? `github:${pkg.repo}`
        : { type: 'git', url: `git+${repoUrl}.git`, ...(pkg.directory && { directory: pkg.directory }) };
    return {
      registry: 'npm',
      name: pkg.name,
      version: entry.version,
      description: pkg.summary,
      repository,
      ...(/-/.test(entry.version) && { distTag: 'next' }),
      files: withChangelog({ 'README.md': readme, 'index.js': `module.exports = {};\n`, LICENSE: 'MIT License\n' }),
      ...(pkg.source !== 'none' && { github }),
    };
  }
  if (pkg.registry === 'rubygems') {
    const linked = pkg.source === 'link' || pkg.source === 'archive-and-link' || pkg.source === 'releases';
    return {
      registry: 'rubygems',
      name: pkg.name,
      version: entry.version,
      info: pkg.summary,
      authors: [pkg.repo.split('/')[0]!],
      homepageUri: repoUrl,
      sourceCodeUri: repoUrl,
      ...(linked && { changelogUri: changelogLink }),
      files: withChangelog({ [`lib/${pkg.name.replace(/-/g, '/')}.rb`]: `# ${pkg.summary}\n`, 'README.md': readme }),
      github,
    };
  }
  const projectUrls: Record<string, string> = { Homepage: repoUrl };
  if (pkg.source === 'link' || pkg.source === 'repo' || pkg.source === 'releases') projectUrls[SOURCE_LABELS[pkg.name.length % SOURCE_LABELS.length]!] = repoUrl;
  if (pkg.source === 'link') projectUrls[CHANGELOG_LABELS[pkg.name.length % CHANGELOG_LABELS.length]!] = changelogLink;
  if (pkg.source === 'releases') projectUrls['Release notes'] = changelogLink;
  const module = pkg.name.toLowerCase().replace(/[-.]/g, '_');
  return {
    registry: 'pypi',
    name: pkg.name,
    version: entry.version,
    summary: pkg.summary,
    projectUrls,
    wheel: true,
    files: withChangelog({ 'pyproject.toml': `[project]\nname = "${pkg.name}"\nversion = "${entry.version}"\n`, 'README.md': readme, [`src/${module}/__init__.py`]: `__version__ = "${entry.version}"\n` }),
    github,
  };
}

export interface ScenarioOptions {
  /** How many releases (default: no end, until `stop()`). */
  releases?: number;
  /** Publishing pace (default 2; Infinity: as fast as possible). */
  perSecond?: number;
  registries?: Registry[];
  seed?: number;
  startDate?: string;
  onPublished?: (ref: ReleaseRef, release: ScenarioRelease) => void;
}

export interface ScenarioHandle {
  published: ReleaseRef[];
  /** Settles when every release is published or `stop()` was called; rejects if a publish fails. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export function runScenario(upstreams: Pick<Upstreams, 'publish' | 'github'>, options: ScenarioOptions = {}): ScenarioHandle {
  const total = options.releases ?? Infinity;
  const intervalMs = options.perSecond === undefined ? 500 : options.perSecond === Infinity ? 0 : 1000 / options.perSecond;
  const published: ReleaseRef[] = [];
  let stopped = false;
  let wake: (() => void) | null = null;
  const releases = scenarioReleases({
    githubWebUrl: upstreams.github.webUrl,
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.registries && { registries: options.registries }),
    ...(options.startDate && { startDate: options.startDate }),
  });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const done = (async () => {
    const start = Date.now();
    while (!stopped && published.length < total) {
      const due = start + published.length * intervalMs - Date.now();
      if (due > 0) await sleep(due);
      if (stopped) break;
      const next = releases.next().value as ScenarioRelease;
      const ref = await upstreams.publish(next.release);
      published.push(ref);
      options.onPublished?.(ref, next);
    }
  })();

  return {
    published,
    done,
    async stop() {
      stopped = true;
      wake?.();
      await done.catch(() => undefined);
    },
  };
}
