import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { run } from './parse';

const CHANGELOG = `# Changelog\n\n## [1.1.0] - 2024-02-01\n\n### Added\n\n- More output formats.\n\n## [1.0.0] - 2024-01-01\n\n- First.\n`;

async function npmTarball(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  for (const [name, content] of Object.entries(files)) p.entry({ name: `package/${name}` }, content);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of p) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}

async function capture(args: string[]): Promise<{ code: number; lines: string[] }> {
  const out: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const code = await run(args);
    return { code, lines: out.join('').split('\n').filter(Boolean) };
  } finally {
    write.mockRestore();
  }
}

describe('changelogs parse', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-parse-'));
    writeFileSync(join(dir, 'CHANGELOG.md'), CHANGELOG);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('--json prints one object a line, without html unless asked', async () => {
    const { code, lines } = await capture(['--json', join(dir, 'CHANGELOG.md')]);
    expect(code).toBe(0);
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!);
    expect(result).toMatchObject({ file: join(dir, 'CHANGELOG.md'), format: 'markdown', fileName: 'CHANGELOG.md' });
    expect(result.entries.map((e: { version: string }) => e.version)).toEqual(['1.1.0', '1.0.0']);
    expect(result.entries[0]).not.toHaveProperty('html');
    const withHtml = JSON.parse((await capture(['--json', '--html', join(dir, 'CHANGELOG.md')])).lines[0]!);
    expect(withHtml.entries[0].html).toContain('<h3>Added</h3>');
  });

  test('an unreadable file is reported and the others still parse; exit code 1', async () => {
    const { code, lines } = await capture(['--json', join(dir, 'missing.md'), join(dir, 'CHANGELOG.md')]);
    expect(code).toBe(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ file: join(dir, 'missing.md'), error: expect.any(String) });
    expect(JSON.parse(lines[1]!).entries).toHaveLength(2);
  });

  test('--tarball finds the changelog at the package root', async () => {
    const tgz = join(dir, 'package.tgz');
    writeFileSync(tgz, await npmTarball({ 'package.json': '{}', 'HISTORY.md': CHANGELOG, 'docs/CHANGELOG.md': 'x' }));
    const result = JSON.parse((await capture(['--json', '--tarball', tgz])).lines[0]!);
    expect(result.foundIn).toBe('HISTORY.md');
    expect(result.entries).toHaveLength(2);

    const empty = join(dir, 'empty.tgz');
    writeFileSync(empty, await npmTarball({ 'package.json': '{}', 'README.md': '# hi' }));
    expect(JSON.parse((await capture(['--json', '--tarball', empty])).lines[0]!)).toMatchObject({ foundIn: null, entries: [] });
  });

  test('--tarball chooses by content, as a crawl does: a tiny changelog counts, a pointer gives way', async () => {
    const tiny = '## 1.0.0 - 2024-01-02\n\n- Fixes the build.\n\n## 0.9.0 - 2023-12-01\n\n- First release.\n';
    const small = join(dir, 'small.tgz');
    writeFileSync(small, await npmTarball({ 'package.json': '{}', 'CHANGELOG.md': tiny }));
    const found = JSON.parse((await capture(['--json', '--tarball', small])).lines[0]!);
    expect(found).toMatchObject({ foundIn: 'CHANGELOG.md', fileName: 'CHANGELOG.md' });
    expect(found.entries.map((e: { version: string }) => e.version)).toEqual(['1.0.0', '0.9.0']);

    const pointed = join(dir, 'pointed.tgz');
    writeFileSync(pointed, await npmTarball({ 'package.json': '{}', 'CHANGELOG.md': 'See the release notes.\n', 'NEWS.md': tiny }));
    expect(JSON.parse((await capture(['--json', '--tarball', pointed])).lines[0]!)).toMatchObject({ foundIn: 'NEWS.md', fileName: 'NEWS.md' });
  });

  test('parses within the crawl limits of the configuration, and says which limit a file broke', async () => {
    const tgz = join(dir, 'limits.tgz');
    writeFileSync(tgz, await npmTarball({ 'package.json': '{}', 'CHANGELOG.md': CHANGELOG, 'a.txt': '', 'b.txt': '' }));
    const saved = { ...process.env };
    try {
      process.env.MAX_CHANGELOG_ENTRIES = '1';
      expect(JSON.parse((await capture(['--json', join(dir, 'CHANGELOG.md')])).lines[0]!).entries.map((e: { version: string }) => e.version)).toEqual(['1.1.0']);
      process.env.MAX_CHANGELOG_BYTES = '100';
      const tooBig = await capture(['--json', join(dir, 'CHANGELOG.md')]);
      expect(tooBig.code).toBe(1);
      expect(JSON.parse(tooBig.lines[0]!).error).toMatch(/over the limit of 100 \(MAX_CHANGELOG_BYTES\)/);
      process.env.MAX_ARCHIVE_ENTRIES = '2';
      expect(JSON.parse((await capture(['--json', '--tarball', tgz])).lines[0]!).error).toMatch(/more than maxArchiveEntries \(2\)/);
    } finally {
      process.env = saved;
    }
  });

  test('--versions passes known versions', async () => {
    const versions = join(dir, 'versions.json');
    writeFileSync(versions, JSON.stringify(['1.0.0']));
    const { lines } = await capture(['--json', '--versions', versions, join(dir, 'CHANGELOG.md')]);
    expect(JSON.parse(lines[0]!).entries.map((e: { version: string }) => e.version)).toEqual(['1.1.0', '1.0.0']);
  });
});
