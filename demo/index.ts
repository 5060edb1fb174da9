// Every upstream the crawler talks to, started together on 127.0.0.1, with the configuration pointing at them.
import { type GitHubOptions, type GitHubRelease, type GitHubSimulator, startGitHub } from './github';
import { type Release as NpmRelease, type NpmRegistrySimulator, startNpmRegistry } from './npmRegistry';
import { type PypiOptions, type PypiRelease, type PypiSimulator, startPypi } from './pypi';
import { type GemRelease, type RubyGemsOptions, type RubyGemsSimulator, startRubyGems } from './rubygems';

export type Registry = 'npm' | 'rubygems' | 'pypi';

export interface ReleaseRef {
  registry: Registry;
  name: string;
  version: string;
}

/** What the release's repository holds once it is published (created on first use). */
export interface GitHubSide {
  /** `owner/name`. */
  repo: string;
  /** Files committed to the default branch and tagged `tag`. */
  files?: Record<string, string | Buffer>;
  tag?: string;
  release?: GitHubRelease;
}

export type UpstreamRelease = (
  | ({ registry: 'npm' } & NpmRelease)
  | ({ registry: 'rubygems' } & GemRelease)
  | ({ registry: 'pypi' } & PypiRelease)
) & { github?: GitHubSide };

export interface UpstreamsOptions {
  rubygems?: RubyGemsOptions;
  pypi?: PypiOptions;
  github?: GitHubOptions;
}

export interface Upstreams {
  /** NPM_REGISTRY_URL, NPM_REPLICATE_URL, RUBYGEMS_URL, PYPI_URL, PYPI_FILES_URL, GITHUB_API_URL, GITHUB_RAW_URL, GITHUB_WEB_URL. */
  env: Record<string, string>;
  npm: NpmRegistrySimulator;
  rubygems: RubyGemsSimulator;
  pypi: PypiSimulator;
  github: GitHubSimulator;
  /** Publishes to the release's registry, after committing its GitHub side (so a crawler finds both). */
  publish(release: UpstreamRelease): Promise<ReleaseRef>;
  close(): Promise<void>;
}

export async function startUpstreams(options: UpstreamsOptions = {}): Promise<Upstreams> {
  const [npm, rubygems, pypi, github] = await Promise.all([
    startNpmRegistry(),
    startRubyGems(options.rubygems),
    startPypi(options.pypi),
    startGitHub(options.github),
  ]);

  function commitGitHubSide(side: GitHubSide): void {
    if (!github.hasRepo(side.repo)) github.createRepo(side.repo);
    github.commit(side.repo, side.files ?? {}, side.tag === undefined ? {} : { tags: [side.tag] });
    if (side.release) github.addRelease(side.repo, side.release);
  }

  return {
    env: {
      NPM_REGISTRY_URL: npm.url,
      NPM_REPLICATE_URL: npm.replicateUrl,
      RUBYGEMS_URL: rubygems.url,
      PYPI_URL: pypi.url,
      PYPI_FILES_URL: pypi.filesUrl,
      GITHUB_API_URL: github.apiUrl,
      GITHUB_RAW_URL: github.rawUrl,
      GITHUB_WEB_URL: github.webUrl,
    },
    npm,
    rubygems,
    pypi,
    github,
    async publish(release) {
      if (release.github) commitGitHubSide(release.github);
      if (release.registry === 'npm') await npm.publish(release);
      else if (release.registry === 'rubygems') await rubygems.publish(release);
      else await pypi.publish(release);
      return { registry: release.registry, name: release.name, version: release.version };
    },
    async close() {
      await Promise.all([npm.close(), rubygems.close(), pypi.close(), github.close()]);
    },
  };
}
