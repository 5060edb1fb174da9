import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { readRootFiles } from './readRootFiles';
import { ArchiveRejectedError, type ArchiveKind, type ArchiveLimits, type RootFiles } from './types';

type TarEntry = {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device';
  linkname?: string;
};

const roomy: ArchiveLimits = {
  maxArchiveBytes: 10_000_000,
  maxUnpackedBytes: 10_000_000,
  maxArchiveEntries: 1_000,
  maxChangelogBytes: 1_000_000,
};

const isChangelog = (path: string): boolean => /^(changelog|history|changes)(\.\w+)?$/i.test(path);

async function tarOf(entries: TarEntry[]): Promise<Buffer> {
  const packer = pack();
  for (const { name, content, type, linkname } of entries) {
    packer.entry({ name, type: type ?? 'file', ...(linkname !== undefined && { linkname }) }, content ?? '');
  }
  packer.finalize();
  return collect(packer);
}

async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function gemOf(dataEntries: TarEntry[]): Promise<Buffer> {
  return tarOf([
    { name: 'metadata.gz', content: gzipSync('--- !ruby/object:Gem::Specification\nname: demo\n') },
    { name: 'data.tar.gz', content: gzipSync(await tarOf(dataEntries)) },
    { name: 'checksums.yaml.gz', content: gzipSync('---\n') },
  ]);
}

/** A download: yields `bytes` in chunks and remembers how much was pulled and whether it was destroyed. */
class Download extends Readable {
  pulled = 0;

  constructor(
    private readonly bytes: Buffer,
    private readonly chunkSize = 16 * 1024,
  ) {
    super();
  }

  override _read(): void {
    const chunk = this.bytes.subarray(this.pulled, this.pulled + this.chunkSize);
    this.pulled += chunk.length;
    this.push(chunk.length > 0 ? chunk : null);
  }
}

function read(bytes: Buffer, kind: ArchiveKind, limits: Partial<ArchiveLimits> = {}): Promise<RootFiles> {
  return readRootFiles(new Download(bytes), { kind, limits: { ...roomy, ...limits }, wanted: isChangelog });
}

async function rejection(promise: Promise<unknown>): Promise<ArchiveRejectedError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ArchiveRejectedError)) throw new Error(`expected an ArchiveRejectedError, got ${String(err)}`);
  return err;
}

const summary = (result: RootFiles) =>
  Object.fromEntries(result.files.map((f) => [f.path, f.content.length > 0 ? f.content.toString() : f.size]));

describe('readRootFiles: npm', () => {
  it('reports root files, with content only for wanted ones, and ignores nested files', async () => {
    const tgz = gzipSync(
      await tarOf([
        { name: 'package/package.json', content: '{"name":"demo"}' },
        { name: 'package/lib/CHANGELOG.md', content: 'nested, not the root one' },
        { name: 'package/lib', type: 'directory' },
        { name: 'package/CHANGELOG.md', content: '# 1.0.0\n- first' },
      ]),
    );
    const result = await read(tgz, 'npm');
    expect(result.root).toBe('package');
    expect(summary(result)).toEqual({ 'package.json': 15, 'CHANGELOG.md': '# 1.0.0\n- first' });
    expect(result.files.find((f) => f.path === 'package.json')?.content.length).toBe(0);
  });

  it('takes the root from the first file of an old tarball whose folder is not `package`', async () => {
    const tgz = gzipSync(
      await tarOf([
        { name: 'demo-0.1.0', type: 'directory' },
        { name: 'demo-0.1.0/History.md', content: 'old history' },
        { name: 'other/CHANGELOG.md', content: 'not under the root' },
      ]),
    );
    const result = await read(tgz, 'npm');
    expect(result.root).toBe('demo-0.1.0');
    expect(summary(result)).toEqual({ 'History.md': 'old history' });
  });

  it('lets the last copy win when a name repeats, as extraction would', async () => {
    const tgz = gzipSync(
      await tarOf([
        { name: 'package/CHANGELOG.md', content: 'first' },
        { name: 'package/CHANGELOG.md', content: 'second' },
      ]),
    );
    expect(summary(await read(tgz, 'npm'))).toEqual({ 'CHANGELOG.md': 'second' });
  });

  it('asks `wanted` with the root-relative path and declared size', async () => {
    const tgz = gzipSync(await tarOf([{ name: 'package/NEWS', content: '12345' }]));
    const asked: [string, number][] = [];
    await readRootFiles(new Download(tgz), {
      kind: 'npm',
      limits: roomy,
      wanted: (path, size) => {
        asked.push([path, size]);
        return false;
      },
    });
    expect(asked).toEqual([['NEWS', 5]]);
  });
});

describe('readRootFiles: gem', () => {
  it('reads the root files of data.tar.gz, which has no top folder', async () => {
    const gem = await gemOf([
      { name: 'README.md', content: 'readme' },
      { name: 'CHANGELOG.md', content: '## 2.0.0' },
      { name: 'lib/demo/CHANGELOG.md', content: 'nested' },
    ]);
    const result = await read(gem, 'gem');
    expect(result.root).toBe('');
    expect(summary(result)).toEqual({ 'README.md': 6, 'CHANGELOG.md': '## 2.0.0' });
  });

  it('stops downloading once data.tar.gz is read', async () => {
    const gem = Buffer.concat([
      await tarOf([{ name: 'data.tar.gz', content: gzipSync(await tarOf([{ name: 'CHANGES', content: 'c' }])) }]),
      // Trailing bulk the reader has no reason to pull.
      await tarOf([{ name: 'checksums.yaml.gz', content: randomBytes(2_000_000) }]),
    ]);
    const download = new Download(gem);
    await readRootFiles(download, { kind: 'gem', limits: roomy, wanted: isChangelog });
    expect(download.destroyed).toBe(true);
    expect(download.pulled).toBeLessThan(gem.length / 2);
  });

  it('rejects a gem without data.tar.gz', async () => {
    const gem = await tarOf([{ name: 'metadata.gz', content: gzipSync('x') }]);
    const err = await rejection(read(gem, 'gem'));
    expect(err.reason).toBe('malformed');
    expect(err.message).toMatch(/data\.tar\.gz/);
  });
});

describe('readRootFiles: sdist', () => {
  it('reads the files under <name>-<version>/', async () => {
    const sdist = gzipSync(
      await tarOf([
        { name: 'demo-1.2.3/PKG-INFO', content: 'Metadata-Version: 2.1' },
        { name: 'demo-1.2.3/CHANGES.rst', content: '1.2.3\n=====' },
        { name: 'demo-1.2.3/docs/changelog.rst', content: 'nested' },
      ]),
    );
    const result = await read(sdist, 'sdist');
    expect(result.root).toBe('demo-1.2.3');
    expect(summary(result)).toEqual({ 'PKG-INFO': 21, 'CHANGES.rst': '1.2.3\n=====' });
  });

  it('rejects a zip sdist with a message saying so', async () => {
    const zip = Buffer.concat([Buffer.from('PK\x03\x04'), randomBytes(200)]);
    const err = await rejection(read(zip, 'sdist'));
    expect(err.reason).toBe('malformed');
    expect(err.message).toMatch(/zip/);
  });
});

describe('readRootFiles: limits', () => {
  it('rejects an archive bigger than maxArchiveBytes without downloading all of it', async () => {
    const tgz = gzipSync(await tarOf([{ name: 'package/blob.bin', content: randomBytes(500_000) }]));
    const download = new Download(tgz, 1024);
    const err = await rejection(
      readRootFiles(download, { kind: 'npm', limits: { ...roomy, maxArchiveBytes: 50_000 }, wanted: isChangelog }),
    );
    expect(err.reason).toBe('compressed-size');
    expect(err.message).toMatch(/maxArchiveBytes \(50000 bytes\)/);
    expect(download.destroyed).toBe(true);
    expect(download.pulled).toBeLessThan(200_000);
  });

  describe('gzip bomb', () => {
    const bombBytes = 200 * 1024 * 1024;
    let bomb: Buffer;

    beforeAll(async () => {
      // Streamed so the test itself never holds the 200 MB either.
      const packer = pack();
      const gzipped = collect(packer.pipe(createGzip()) as unknown as AsyncIterable<unknown>);
      const entry = packer.entry({ name: 'package/zeros.bin', size: bombBytes });
      const megabyte = Buffer.alloc(1024 * 1024);
      for (let written = megabyte.length; written < bombBytes; written += megabyte.length) {
        if (!entry.write(megabyte)) await new Promise<void>((resolve) => entry.once('drain', () => resolve()));
      }
      entry.end(megabyte);
      packer.finalize();
      bomb = await gzipped;
    });

    it('is rejected once maxUnpackedBytes is crossed, early and without inflating it', async () => {
      expect(bomb.length).toBeLessThan(1_000_000);
      const download = new Download(bomb, 4096);
      const started = Date.now();
      const memoryBefore = process.memoryUsage().arrayBuffers;
      const err = await rejection(
        readRootFiles(download, {
          kind: 'npm',
          limits: { ...roomy, maxUnpackedBytes: 5_000_000 },
          wanted: () => true,
        }),
      );
      expect(err.reason).toBe('decompressed-size');
      expect(err.message).toMatch(/maxUnpackedBytes \(5000000 bytes\)/);
      expect(Date.now() - started).toBeLessThan(2_000);
      // A few stream buffers' worth is read ahead; the point is that the rest never is.
      expect(download.pulled).toBeLessThan(bomb.length / 2);
      expect(process.memoryUsage().arrayBuffers - memoryBefore).toBeLessThan(50_000_000);
      expect(download.destroyed).toBe(true);
    });

    it('counts skipped entries too, inside a gem', async () => {
      const gem = await tarOf([{ name: 'data.tar.gz', content: bomb }]);
      const err = await rejection(read(gem, 'gem', { maxUnpackedBytes: 5_000_000 }));
      expect(err.reason).toBe('decompressed-size');
    });
  });

  it('rejects more than maxArchiveEntries entries', async () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({ name: `package/f${i}.txt`, content: 'x' }));
    const err = await rejection(read(gzipSync(await tarOf(entries)), 'npm', { maxArchiveEntries: 10 }));
    expect(err.reason).toBe('entry-count');
    expect(err.message).toMatch(/maxArchiveEntries \(10\)/);
  });

  it('counts gem entries inside data.tar.gz', async () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}.txt`, content: 'x' }));
    const err = await rejection(read(await gemOf(entries), 'gem', { maxArchiveEntries: 10 }));
    expect(err.reason).toBe('entry-count');
  });

  it('flags a wanted file over maxChangelogBytes as oversized instead of failing the read', async () => {
    const tgz = gzipSync(
      await tarOf([
        { name: 'package/CHANGELOG.md', content: 'x'.repeat(5_000) },
        { name: 'package/HISTORY.md', content: 'small' },
      ]),
    );
    const result = await read(tgz, 'npm', { maxChangelogBytes: 1_000 });
    expect(result.files).toEqual([
      { path: 'CHANGELOG.md', size: 5_000, content: Buffer.alloc(0), oversized: true },
      { path: 'HISTORY.md', size: 5, content: Buffer.from('small') },
    ]);
  });
});

describe('readRootFiles: hostile entries are skipped, whatever their name', () => {
  const legit = { name: 'package/README.md', content: 'readme' };

  it.each([
    ['a ../ path that would set the root', [{ name: '../CHANGELOG.md', content: 'evil' }, legit]],
    ['a ../ path that normalizes into the root', [legit, { name: 'package/sub/../CHANGELOG.md', content: 'evil' }]],
    ['an absolute path', [{ name: '/package/CHANGELOG.md', content: 'evil' }, legit]],
    ['a backslash absolute path', [{ name: '\\package\\CHANGELOG.md', content: 'evil' }, legit]],
    ['a symlink', [legit, { name: 'package/CHANGELOG.md', type: 'symlink', linkname: '/etc/passwd' }]],
    ['a hard link', [legit, { name: 'package/CHANGELOG.md', type: 'link', linkname: 'package/README.md' }]],
    ['a FIFO', [legit, { name: 'package/CHANGELOG.md', type: 'fifo' }]],
    ['a character device', [legit, { name: 'package/CHANGELOG.md', type: 'character-device' }]],
  ] as [string, TarEntry[]][])('%s', async (_label, entries) => {
    const result = await read(gzipSync(await tarOf(entries)), 'npm');
    expect(result.root).toBe('package');
    expect(summary(result)).toEqual({ 'README.md': 6 });
  });

  it.each([
    ['a ../ path that normalizes into the root', 'lib/../CHANGELOG.md'],
    ['a drive-relative Windows path', 'C:CHANGELOG.md'],
  ])('%s in a gem', async (_label, name) => {
    const result = await read(await gemOf([{ name, content: 'evil' }, { name: 'HISTORY', content: 'history' }]), 'gem');
    expect(summary(result)).toEqual({ HISTORY: 'history' });
  });
});

describe('readRootFiles: broken input', () => {
  it('rejects corrupt gzip as malformed and destroys the input', async () => {
    const tgz = gzipSync(await tarOf([{ name: 'package/CHANGELOG.md', content: 'x'.repeat(10_000) }]));
    const corrupt = Buffer.from(tgz);
    corrupt.fill(0xa5, 20, corrupt.length - 8);
    const download = new Download(corrupt);
    const err = await rejection(readRootFiles(download, { kind: 'npm', limits: roomy, wanted: isChangelog }));
    expect(err.reason).toBe('malformed');
    expect(download.destroyed).toBe(true);
  });

  it('rejects a tar cut in the middle of an entry', async () => {
    const tar = await tarOf([{ name: 'package/CHANGELOG.md', content: 'x'.repeat(2_000) }]);
    const err = await rejection(read(gzipSync(tar.subarray(0, 1_000)), 'npm'));
    expect(err.reason).toBe('malformed');
    expect(err.message).toMatch(/end of data/);
  });

  it('rejects a truncated gzip stream', async () => {
    const tgz = gzipSync(await tarOf([{ name: 'package/CHANGELOG.md', content: randomBytes(5_000) }]));
    const err = await rejection(read(tgz.subarray(0, tgz.length - 100), 'npm'));
    expect(err.reason).toBe('malformed');
  });

  it.each(['npm', 'gem', 'sdist'] as ArchiveKind[])('rejects random bytes as %s', async (kind) => {
    const err = await rejection(read(randomBytes(4096), kind));
    expect(err.reason).toBe('malformed');
  });

  it('rejects an empty download', async () => {
    const err = await rejection(read(Buffer.alloc(0), 'npm'));
    expect(err.reason).toBe('malformed');
  });

  it('passes an error thrown by `wanted` through unchanged: it is not the archive that is broken', async () => {
    const tgz = gzipSync(await tarOf([{ name: 'package/CHANGELOG.md', content: 'x' }]));
    const bug = new TypeError('bug in the caller');
    const download = new Download(tgz);
    const reading = readRootFiles(download, {
      kind: 'npm',
      limits: roomy,
      wanted: () => {
        throw bug;
      },
    });
    await expect(reading).rejects.toBe(bug);
    expect(download.destroyed).toBe(true);
  });

  it('passes a failing download through unchanged, since it says nothing about the archive', async () => {
    const tgz = gzipSync(await tarOf([{ name: 'package/CHANGELOG.md', content: randomBytes(100_000) }]));
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const download = new Download(tgz, 1024);
    download.once('data', () => setImmediate(() => download.destroy(reset)));
    await expect(readRootFiles(download, { kind: 'npm', limits: roomy, wanted: isChangelog })).rejects.toBe(reset);
  });
});
