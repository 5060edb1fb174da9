// Word pools for names and change notes that read like the real registries' (none is a real package's name).
import type { ChangeItem } from './changelogText';
import type { Random } from './random';

const NPM_PREFIXES = ['react', 'vue', 'vite-plugin', 'eslint-plugin', 'postcss', 'babel-plugin', 'rollup-plugin', 'node', 'fast', 'tiny', 'micro', 'svelte', 'next'];
const RUBY_PREFIXES = ['rack', 'rails', 'active', 'sidekiq', 'rspec', 'rubocop', 'jekyll', 'omniauth', 'faraday', 'dry'];
const PYTHON_PREFIXES = ['django', 'flask', 'pytest', 'sphinx', 'aio', 'py', 'fastapi', 'sqlalchemy', 'celery', 'types'];
const NOUNS = ['cache', 'router', 'tooltip', 'markdown', 'schema', 'retry', 'queue', 'logger', 'config', 'cli', 'uploader', 'i18n', 'toml', 'yaml', 'auth', 'paginate', 'metrics', 'mailer', 'slug', 'color', 'date', 'diff', 'graph', 'lint', 'hooks', 'signals', 'storage', 'sockets', 'templates', 'tracing'];
const SUFFIXES = ['', '', '', 'lite', 'kit', 'utils', 'plus', 'x', 'core', 'tools', 'helpers', 'extra'];
export const SCOPES = ['acme', 'lumen', 'northwind', 'quartz', 'tidal', 'orbit'];
export const OWNERS = ['mkovacs', 'jdoe', 'sunrise-labs', 'pallets-contrib', 'rubyists', 'hexagon-dev', 'tmcw', 'nadia', 'oss-collective', 'yuki-t'];

const COMPONENTS = ['parser', 'cli', 'api', 'types', 'core', 'config', 'docs', 'deps', 'build'];
const ADDED = ['Add `--watch` flag', 'Support `AbortSignal` in `fetch()` options', 'Add `maxRetries` option', 'Expose `createClient()` factory', 'Add TypeScript definitions', 'Support async iterators', 'New `strict` mode'];
const FIXED = ['Fix crash when `config.timeout` is undefined', 'Handle empty input in `parse()`', 'Fix memory leak in the connection pool', 'Correct off-by-one in pagination', 'Fix Windows path handling', 'Do not swallow errors thrown by hooks', 'Fix race condition on reconnect'];
const CHANGED = ['Improve performance of `serialize()` by 30%', 'Update dependencies', 'Reduce bundle size', 'Log a warning instead of throwing on unknown keys', 'Rewrite the tokenizer'];
const REMOVED = ['Drop support for Node 16', 'Remove deprecated `legacy` option', 'Drop Python 3.8', 'Remove the `sync` API'];
const SECURITY = ['Escape HTML in error messages (CVE-2026-1234)', 'Bump vulnerable transitive dependency'];

export function packageName(random: Random, registry: 'npm' | 'rubygems' | 'pypi'): string {
  const noun = random.pick(NOUNS);
  const suffix = random.pick(SUFFIXES);
  if (registry === 'npm') return [random.pick(NPM_PREFIXES), noun, suffix].filter(Boolean).join('-');
  if (registry === 'rubygems') return [random.pick(RUBY_PREFIXES), noun, suffix].filter(Boolean).join(random.chance(0.5) ? '-' : '_');
  const name = [random.pick(PYTHON_PREFIXES), noun, suffix].filter(Boolean).join(random.pick(['-', '_', '-']));
  // Some projects register with capitals or dots; lookups normalise them.
  return random.chance(0.1) ? name.replace(/^./, (c) => c.toUpperCase()) : random.chance(0.05) ? name.replace('-', '.') : name;
}

export function changeItems(random: Random): ChangeItem[] {
  const items: ChangeItem[] = [];
  const count = random.int(1, 5);
  for (let i = 0; i < count; i++) {
    const kind = random.weighted({ added: 30, fixed: 40, changed: 18, removed: 7, security: 5 });
    const pool = { added: ADDED, fixed: FIXED, changed: CHANGED, removed: REMOVED, security: SECURITY }[kind];
    items.push({
      kind,
      text: random.pick(pool),
      ...(random.chance(0.4) && { scope: random.pick(COMPONENTS) }),
      ...(random.chance(0.5) && { issue: random.int(12, 4800) }),
    });
  }
  return items;
}

export function summary(random: Random, name: string): string {
  return random.pick([`A small, fast ${name.split(/[-_.]/).pop()} library`, `Utilities for ${name}`, `The ${name} toolkit`, `${name}: batteries included`]);
}
