import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { ParsedChangelog } from '../../../changelog/types';
import { npmTarball } from '../../../demo/archives';
import { changelogBytes, crawlArchive, type CrawlArchiveParams, type CrawlArchiveResult, type Found, type ParsedText } from './crawlArchive';
import { WithBytes } from '../protocol';
import { runSandboxed } from '../runSandboxed';

jest.setTimeout(30_000);

const CHANGELOG = `# Changelog

## [1.1.0] - 2026-03-02
### Added
- A <b>bold</b> new [option](docs/option.md).

## [1.0.0] - 2026-01-15
### Fixed
- The first release, fixed up.
`;

const params: CrawlArchiveParams = {
  kind: 'npm',
  limits: {
    maxArchiveBytes: 10_000_000,
    maxUnpackedBytes: 10_000_000,
    maxArchiveEntries: 1_000,
    maxChangelogBytes: 1_000_000,
    maxLineLength: 10_000,
    maxChangelogEntries: 1_000,
  },
  knownVersions: ['1.0.0', '1.1.0'],
  sourceUrlBase: 'https://example.test/demo/blob/HEAD/',
};

async function tgzOf(entries: { name: string; content: string | Buffer; type?: 'file' | 'symlink' }[]): Promise<Buffer> {
  const packer = pack();
  for (const { name, content, type } of entries) {
    packer.entry({ name, type: type ?? 'file', ...(type === 'symlink' && { linkname: '/etc/passwd' }) }, type === 'symlink' ? '' : content);
  }
  packer.finalize();
  return collect(packer.pipe(createGzip()));
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const npmPackage = (changelog: string | Buffer) =>
  tgzOf([
    { name: 'package/package.json', content: '{"name":"demo","version":"1.1.0"}' },
    { name: 'package/README.md', content: '# demo' },
    { name: 'package/CHANGELOG.md', content: changelog },
  ]);

/** A found result's parts: its description, the file as published and the parsed changelog. */
function foundIn(result: CrawlArchiveResult | ParsedText): { found: Found; raw: Buffer; parsed: ParsedChangelog } {
  const found = result.value;
  if (found.outcome !== 'found') throw new Error(`expected found, got ${JSON.stringify(found)}`);
  const { raw, parsedJson } = changelogBytes(found, result.bytes);
  return { found, raw, parsed: JSON.parse(parsedJson.toString('utf8')) as ParsedChangelog };
}

describe('crawlArchive', () => {
  it('finds and parses the CHANGELOG.md of an npm tarball, in the sandbox', async () => {
    const { value: result } = await runSandboxed('crawlArchive', { params, bytes: await npmPackage(CHANGELOG) });
    const { found, raw, parsed } = foundIn(result);
    expect(result).toBeInstanceOf(WithBytes);
    expect(found).toMatchObject({ fileName: 'CHANGELOG.md', format: 'markdown', sourceUrl: 'https://example.test/demo/blob/HEAD/CHANGELOG.md', entryCount: 2 });
    expect(raw.toString()).toBe(CHANGELOG);
    expect(parsed.sourceUrl).toBe(found.sourceUrl);
    expect(parsed.entries.map((e) => [e.version, e.date])).toEqual([
      ['1.1.0', '2026-03-02'],
      ['1.0.0', '2026-01-15'],
    ]);
    expect(parsed.entries[0]?.html).toContain('<li>');
  });

  it('sanitizes raw HTML in the sandbox, entry by entry', async () => {
    const changelog = '# Changelog\n\n## 1.1.0\n\n- a <table><tr><td>x\n- b <img src=x onerror=alert(1)>\n\n## 1.0.0\n\n- the first release\n';
    const { value: result } = await runSandboxed('crawlArchive', { params, bytes: await npmPackage(changelog) });
    const { parsed } = foundIn(result);
    expect(parsed.entries.map((e) => e.html)).toEqual([
      '<ul>\n<li>a <table><tr><td>x</td></tr></table></li>\n<li>b <img alt="" src="https://example.test/demo/raw/HEAD/x" loading="lazy" /></li>\n</ul>\n',
      '<ul>\n<li>the first release</li>\n</ul>\n',
    ]);
  });

  it('finds a changelog of 83 bytes: its content, not its size, makes it one', async () => {
    const tiny = readFileSync(join(__dirname, '../../../changelog/fixtures/tiny.md'));
    expect(tiny.length).toBe(83);
    const tgz = await npmTarball({ 'package.json': '{"name":"tiny","version":"1.0.0"}', 'README.md': '# tiny', 'CHANGELOG.md': tiny });
    const { value: result } = await runSandboxed('crawlArchive', { params: { ...params, knownVersions: ['0.9.0', '1.0.0'] }, bytes: tgz });
    const { found, raw, parsed } = foundIn(result);
    expect(found).toMatchObject({ fileName: 'CHANGELOG.md', entryCount: 2 });
    expect(raw.equals(tiny)).toBe(true);
    expect(parsed.entries.map((e) => [e.version, e.date])).toEqual([
      ['1.0.0', '2024-01-02'],
      ['0.9.0', '2023-12-01'],
    ]);
  });

  it('takes the first file named like a changelog that holds a release entry, else the best-named one', async () => {
    const pointer = '# Changelog\n\nEvery release is described in the release notes of the repository.\n';
    const both = await npmTarball({ 'package.json': '{}', 'CHANGELOG.md': pointer, 'HISTORY.md': CHANGELOG });
    const { found, parsed } = foundIn(await crawlArchive(params, Readable.from([both])));
    expect(found.fileName).toBe('HISTORY.md');
    expect(parsed.entries.map((e) => e.version)).toEqual(['1.1.0', '1.0.0']);

    // No file holds one: the best-named stands, without entries, for the crawl to keep should no other source have one.
    const neither = await npmTarball({ 'package.json': '{}', 'CHANGELOG.md': pointer, 'NEWS.md': 'Nothing yet.\n' });
    expect(foundIn(await crawlArchive(params, Readable.from([neither]))).found).toMatchObject({ fileName: 'CHANGELOG.md', entryCount: 0 });

    // A hostile file does not hide a real changelog beside it.
    const binary = Buffer.concat([Buffer.from('\u0000\u0001ELF'), Buffer.alloc(500, 0)]);
    const hidden = await npmTarball({ 'package.json': '{}', 'CHANGELOG.md': binary, 'HISTORY.md': CHANGELOG });
    expect(foundIn(await crawlArchive(params, Readable.from([hidden]))).found.fileName).toBe('HISTORY.md');
  });

  it('parses a changelog file without sending the file back (parseText)', async () => {
    const bytes = Buffer.from(CHANGELOG);
    const { value: result } = await runSandboxed('parseText', {
      params: { fileName: 'CHANGELOG.md', sourceUrl: null, knownVersions: [], limits: params.limits },
      bytes,
    });
    const { found, raw, parsed } = foundIn(result);
    expect(found.rawBytes).toBe(0);
    expect(raw.length).toBe(0);
    expect(parsed.entries.map((e) => e.version)).toEqual(['1.1.0', '1.0.0']);
  });

  it('gives the same result in the sandbox as in this process', async () => {
    const tgz = await npmPackage(CHANGELOG);
    const inProcess = await crawlArchive(params, Readable.from([tgz]));
    const { value } = await runSandboxed('crawlArchive', { params, bytes: tgz });
    expect(value).toEqual(inProcess);
  });

  it('returns not-found for a package without a changelog', async () => {
    const tgz = await tgzOf([{ name: 'package/package.json', content: '{}' }]);
    expect((await crawlArchive(params, Readable.from([tgz]))).value).toEqual({ outcome: 'not-found' });
  });

  it('ignores a changelog that is a symlink', async () => {
    const tgz = await tgzOf([
      { name: 'package/package.json', content: '{}' },
      { name: 'package/CHANGELOG.md', content: '', type: 'symlink' },
    ]);
    expect((await crawlArchive(params, Readable.from([tgz]))).value).toEqual({ outcome: 'not-found' });
  });

  it('rejects a binary changelog as a result, not a crash', async () => {
    const binary = Buffer.concat([Buffer.from('\u0000\u0001ELF'), Buffer.alloc(500, 0)]);
    const { value } = await runSandboxed('crawlArchive', { params, bytes: await npmPackage(binary) });
    expect(value.value).toEqual({ outcome: 'rejected', reason: 'malformed', message: expect.stringMatching(/CHANGELOG\.md: looks binary/) });
  });

  it('rejects a changelog over maxChangelogBytes', async () => {
    const huge = `## 1.0.0\n${'- change\n'.repeat(200_000)}`;
    const result = await crawlArchive(params, Readable.from([await npmPackage(huge)]));
    expect(result.value).toMatchObject({ outcome: 'rejected', reason: 'file-size' });
  });

  it('cuts lines longer than maxLineLength', async () => {
    const longLine = `## 1.0.0\n- ${'x'.repeat(50_000)}\n${'- more\n'.repeat(20)}`;
    const result = await crawlArchive({ ...params, limits: { ...params.limits, maxLineLength: 1_000 } }, Readable.from([await npmPackage(longLine)]));
    const { parsed } = foundIn(result);
    expect(Math.max(...(parsed.entries[0]?.body.split('\n').map((l) => l.length) ?? []))).toBeLessThanOrEqual(1_000);
  });

  it('rejects a gzip bomb in the sandbox once maxUnpackedBytes is crossed', async () => {
    const packer = pack();
    const gzipped = collect(packer.pipe(createGzip()));
    const bombBytes = 100 * 1024 * 1024;
    const entry = packer.entry({ name: 'package/CHANGELOG.md', size: bombBytes });
    const megabyte = Buffer.alloc(1024 * 1024, 0x20);
    for (let written = 0; written < bombBytes; written += megabyte.length) {
      if (!entry.write(megabyte)) await new Promise<void>((resolve) => entry.once('drain', () => resolve()));
    }
    entry.end(Buffer.alloc(0));
    packer.finalize();
    const bomb = await gzipped;
    expect(bomb.length).toBeLessThan(1_000_000);

    const { value, stats } = await runSandboxed('crawlArchive', {
      params: { ...params, limits: { ...params.limits, maxUnpackedBytes: 5_000_000 } },
      bytes: bomb,
    });
    expect(value.value).toMatchObject({ outcome: 'rejected', reason: 'decompressed-size' });
    expect(stats.maxRssBytes).toBeLessThan(200 * 1024 * 1024);
  });

  it('rejects random bytes as a malformed archive', async () => {
    const garbage = gzipSync(Buffer.from('not a tar'));
    expect((await crawlArchive(params, Readable.from([garbage]))).value).toMatchObject({ outcome: 'rejected', reason: 'malformed' });
  });
});
