import fs from 'node:fs';
import path from 'node:path';
import { formatOfContent, LockfileError, parseLockfile } from './index';

const FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures', 'lockfiles');
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const versions = (parsed: ReturnType<typeof parseLockfile>) => parsed.dependencies.map((d) => `${d.name}@${d.version}${d.dev ? ' (dev)' : ''}`);

/** The error parsing throws, to look at its parts. */
function errorOf(run: () => unknown): LockfileError {
  try {
    run();
  } catch (err) {
    if (err instanceof LockfileError) return err;
    throw err;
  }
  throw new Error('expected a LockfileError');
}

describe('package-lock.json', () => {
  test('v3: every installed package once per version, aliases by their real name, no links or git packages', () => {
    const parsed = parseLockfile(read('package-lock.json'), { fileName: 'package-lock.json' });
    expect(parsed.format).toBe('package-lock');
    expect(parsed.registry).toBe('npm');
    expect(versions(parsed)).toEqual(['left-pad@1.3.0', '@types/node@20.11.5 (dev)', 'typescript@5.4.2 (dev)', 'string-width@4.2.3', 'strip-ansi@7.1.0', 'strip-ansi@6.0.1']);
    expect(parsed.skipped).toEqual([expect.stringMatching(/^package-lock\.json:\d+: my-fork comes from git\+ssh:\/\/git@forge\.example\/me\/my-fork\.git, not the registry$/)]);
  });

  test('v2 is read from its packages map', () => {
    expect(versions(parseLockfile(read('package-lock-v2.json')))).toEqual(['express@4.17.1', 'ms@2.0.0']);
  });

  test('malformed JSON names the file and line', () => {
    const error = errorOf(() => parseLockfile(read('package-lock.malformed.json'), { fileName: 'app/package-lock.json' }));
    expect(error.fileName).toBe('package-lock.json');
    expect(error.line).toBe(6);
    expect(error.message).toMatch(/^package-lock\.json:6: not valid JSON/);
  });

  test('lockfile version 1 is refused with what to do', () => {
    expect(() => parseLockfile(read('package-lock-v1.json'))).toThrow(/package-lock\.json:4: lockfileVersion 1 .*--lockfile-version 3/);
  });

  test('a package without a version names its line', () => {
    const text = '{\n  "lockfileVersion": 3,\n  "packages": {\n    "node_modules/a": {}\n  }\n}\n';
    expect(() => parseLockfile(text)).toThrow('package-lock.json:4: "node_modules/a" has no version');
  });
});

describe('Gemfile.lock', () => {
  test('gems of GEM sections, platform variants once, git and path gems skipped', () => {
    const parsed = parseLockfile(read('Gemfile.lock'));
    expect(parsed.format).toBe('gemfile-lock');
    expect(parsed.registry).toBe('rubygems');
    expect(versions(parsed)).toEqual(['loofah@2.21.3', 'crass@1.0.6', 'nokogiri@1.15.4', 'racc@1.7.1', 'rack@3.0.8', 'rails-dom-testing@2.2.0.rc1']);
    expect(parsed.skipped).toEqual([
      'Gemfile.lock:6: rails-html-sanitizer comes from a git repository (https://forge.example/rails/rails-html-sanitizer.git), not the registry',
      'Gemfile.lock:12: billing comes from a path (engines/billing), not the registry',
    ]);
  });

  test('a gem line without its version in parentheses is an error on its line', () => {
    expect(() => parseLockfile(read('Gemfile.malformed.lock'), { format: 'gemfile-lock' })).toThrow(
      'Gemfile.lock:5: expected a gem and its version, "name (1.2.3)", found "nokogiri 1.15.4"',
    );
  });

  test('text that is not a Gemfile.lock', () => {
    expect(() => parseLockfile('hello world\n', { format: 'gemfile-lock' })).toThrow(/^Gemfile\.lock:1: expected a section name/);
    expect(() => parseLockfile('GEM\n\tspecs:\n', { format: 'gemfile-lock' })).toThrow('Gemfile.lock:2: a tab: Gemfile.lock is indented with spaces');
  });
});

describe('requirements.txt', () => {
  test('pinned requirements, with hashes, extras, markers and comments; the rest skipped with its line', () => {
    const parsed = parseLockfile(read('requirements.txt'), { fileName: 'requirements.txt' });
    expect(parsed.registry).toBe('pypi');
    expect(versions(parsed)).toEqual(['certifi@2024.2.2', 'Django@4.2.10', 'requests@2.31.0', 'zope.interface@6.1']);
    expect(parsed.skipped).toEqual([
      'requirements.txt:11: urllib3>=2 is not pinned to one version (name==1.2.3)',
      'requirements.txt:12: an editable install (./libs/internal) does not come from the registry',
      'requirements.txt:13: requirements-dev.txt is not read (give that file on its own)',
      'requirements.txt:14: mylib does not come from the registry',
    ]);
  });

  test('a line that is not a requirement is an error on its line', () => {
    expect(() => parseLockfile(read('requirements.malformed.txt'), { fileName: 'requirements.txt' })).toThrow(/^requirements\.txt:3: not a requirement: at column \d+/);
  });
});

describe('poetry.lock', () => {
  test('packages from the index (another index too), dev ones marked, a directory package skipped', () => {
    const parsed = parseLockfile(read('poetry.lock'), { fileName: 'poetry.lock' });
    expect(parsed.registry).toBe('pypi');
    expect(versions(parsed)).toEqual(['certifi@2024.2.2', 'pytest@7.4.4 (dev)', 'Flask_Login@0.6.3', 'mirrored@1.0.0']);
    expect(parsed.skipped).toEqual(['poetry.lock:33: internal-tools comes from directory ../internal-tools, not the registry']);
  });

  test('broken TOML names the line', () => {
    const error = errorOf(() => parseLockfile(read('poetry.malformed.lock'), { fileName: 'poetry.lock' }));
    expect(error.line).toBe(8);
    expect(error.message).toMatch(/^poetry\.lock:8: not valid TOML/);
  });
});

describe('uv.lock', () => {
  test('registry packages; the project itself and git packages are not', () => {
    const parsed = parseLockfile(read('uv.lock'), { fileName: 'uv.lock' });
    expect(versions(parsed)).toEqual(['anyio@4.3.0', 'idna@3.6']);
    expect(parsed.skipped).toEqual([expect.stringMatching(/^uv\.lock:28: sniffio comes from git https:\/\/forge\.example\/python-trio\/sniffio/)]);
  });

  test('a package without a version names its line', () => {
    expect(() => parseLockfile(read('uv.malformed.lock'), { fileName: 'uv.lock' })).toThrow('uv.lock:9: idna has no version');
  });
});

describe('format detection', () => {
  test.each([
    ['package-lock.json', 'package-lock'],
    ['package-lock-v2.json', 'package-lock'],
    ['Gemfile.lock', 'gemfile-lock'],
    ['requirements.txt', 'requirements-txt'],
    ['poetry.lock', 'poetry-lock'],
    ['uv.lock', 'uv-lock'],
  ])('%s from its content alone', (file, format) => {
    expect(formatOfContent(read(file))).toBe(format);
    expect(parseLockfile(read(file)).format).toBe(format);
  });

  test('an explicit format wins over the content', () => {
    expect(() => parseLockfile(read('uv.lock'), { format: 'poetry-lock' })).toThrow('poetry.lock: no [metadata] table: this is not a poetry.lock');
  });

  test('binary input is refused', () => {
    expect(() => parseLockfile('\u0000\u0001PK', { fileName: 'x.lock', format: 'uv-lock' })).toThrow('x.lock: a binary file, not a lockfile');
  });
});
