import { pipeline, Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Extract, type Header } from 'tar-stream';
import {
  ArchiveRejectedError,
  type ArchiveLimits,
  type ReadRootFiles,
  type ReadRootFilesOptions,
  type RootFile,
  type RootFiles,
} from './types';

/**
 * Reads the regular files sitting directly in a package archive's root folder, streaming: nothing is written to
 * disk, skipped entries are drained without being kept, and every limit is checked as bytes flow.
 *
 * Errors: limits and unreadable archives reject with `ArchiveRejectedError`. Anything else rejects unchanged: an
 * error emitted by `input` itself (e.g. a reset socket) says nothing about the archive and is worth retrying, and
 * one thrown by `wanted` is the caller's own. `input` is always destroyed before the promise settles.
 */
export const readRootFiles: ReadRootFiles = async (input, options) => {
  const budget = new Budget(options.limits);
  // Errors from the download and from `wanted` travel the same paths as parse errors; remembering them keeps them
  // from being taken for corruption.
  const notTheArchives = new WeakSet<object>();
  input.on('error', (err) => notTheArchives.add(err));
  const wanted = (path: string, size: number): boolean => {
    try {
      return options.wanted(path, size);
    } catch (err) {
      if (typeof err === 'object' && err !== null) notTheArchives.add(err);
      throw err;
    }
  };
  try {
    const read = options.kind === 'gem' ? readGem : readGzipTarball;
    return await read(input, { ...options, wanted }, budget);
  } catch (err) {
    throw typeof err === 'object' && err !== null && notTheArchives.has(err) ? err : malformed(err);
  } finally {
    input.destroy();
  }
};

/** Counts what one read consumes across all nested streams and throws the moment a limit is crossed. */
class Budget {
  private compressed = 0;
  private decompressed = 0;
  private entries = 0;

  constructor(private readonly limits: ArchiveLimits) {}

  addCompressed(bytes: number): void {
    this.compressed += bytes;
    if (this.compressed > this.limits.maxArchiveBytes) {
      throw new ArchiveRejectedError(
        `archive is larger than maxArchiveBytes (${this.limits.maxArchiveBytes} bytes)`,
        'compressed-size',
      );
    }
  }

  addDecompressed(bytes: number): void {
    this.decompressed += bytes;
    if (this.decompressed > this.limits.maxUnpackedBytes) {
      throw new ArchiveRejectedError(
        `archive decompresses to more than maxUnpackedBytes (${this.limits.maxUnpackedBytes} bytes)`,
        'decompressed-size',
      );
    }
  }

  addEntry(): void {
    this.entries += 1;
    if (this.entries > this.limits.maxArchiveEntries) {
      throw new ArchiveRejectedError(
        `archive has more than maxArchiveEntries (${this.limits.maxArchiveEntries}) entries`,
        'entry-count',
      );
    }
  }
}

/** npm tarballs and sdists: gzip'd tar whose files live under one top folder. */
async function readGzipTarball(input: Readable, options: ReadRootFilesOptions, budget: Budget): Promise<RootFiles> {
  const extract = openTar((fail) => gunzipped(countedInput(input, budget), 'archive', budget, fail));
  const { root, files } = await collectRootFiles(extract, undefined, options, budget);
  if (root === undefined) {
    throw new ArchiveRejectedError('archive has no file inside a top folder, so it has no package root', 'malformed');
  }
  return { root, files };
}

/** `.gem`: a plain tar whose `data.tar.gz` holds the package files with no top folder. */
async function readGem(input: Readable, options: ReadRootFilesOptions, budget: Budget): Promise<RootFiles> {
  const outer = openTar((fail) => countedInput(input, budget).on('error', fail));
  for await (const entry of outer) {
    budget.addEntry();
    if (isGemData(entry.header)) {
      const data = Readable.from(entry, { objectMode: false });
      const inner = openTar((fail) => gunzipped(data, 'data.tar.gz', budget, fail));
      const { files } = await collectRootFiles(inner, '', options, budget);
      // Nothing after data.tar.gz matters (checksums, signatures): stop downloading.
      return { root: '', files };
    }
    await drain(entry);
  }
  throw new ArchiveRejectedError('gem has no data.tar.gz entry', 'malformed');
}

function isGemData(header: Header): boolean {
  const segments = safeSegments(header.name);
  return isRegularFile(header) && segments?.length === 1 && segments[0] === 'data.tar.gz';
}

/**
 * `pipe`, not `pipeline`: pipeline would destroy `input` with downstream errors, which would then look like
 * transport failures; `readRootFiles` destroys `input` itself.
 */
function countedInput(input: Readable, budget: Budget): Transform {
  const counted = countingStage((bytes) => budget.addCompressed(bytes));
  input.on('error', (err) => counted.destroy(err));
  return input.pipe(counted);
}

function gunzipped(source: Readable, label: string, budget: Budget, fail: (err: Error) => void): Transform {
  const counted = countingStage((bytes) => budget.addDecompressed(bytes));
  return pipeline(source, expectGzip(label), createGunzip(), counted, (err) => err && fail(err));
}

/**
 * Starts a tar parser fed by the stream `connect` returns. Whatever fails upstream is handed to `fail`, which
 * destroys the parser so its entry iterator rejects with that error; a parser that stops early tears the feed down.
 */
function openTar(connect: (fail: (err: Error) => void) => Readable): Extract {
  // Very old npm tarballs predate the ustar magic; header checksums still catch garbage. (tar-stream's typings
  // lack the option.)
  const options: Parameters<typeof tarExtract>[0] & { allowUnknownFormat: boolean } = { allowUnknownFormat: true };
  const extract = tarExtract(options);
  const bytes = connect((err) => extract.destroy(err));
  // tar-stream's streamx Writable speaks the protocol `pipe` needs (its README pipes Node streams into it).
  bytes.pipe(extract as unknown as NodeJS.WritableStream);
  extract.on('close', () => bytes.destroy());
  return extract;
}

/** One tar entry: its header and a stream of its content. */
type Entry = Extract extends AsyncIterable<infer E> ? E : never;

interface Collected {
  root: string | undefined;
  files: RootFile[];
}

/**
 * Walks every entry. `root` is fixed ('' for a gem) or, when undefined, taken from the top folder of the first
 * safe regular file — which is what npm does with very old tarballs whose folder is not `package`.
 */
async function collectRootFiles(
  extract: Extract,
  fixedRoot: string | undefined,
  options: ReadRootFilesOptions,
  budget: Budget,
): Promise<Collected> {
  let root = fixedRoot;
  // Keyed by path: a tar may repeat a name, and extracting it would keep the last copy.
  const files = new Map<string, RootFile>();
  for await (const entry of extract) {
    budget.addEntry();
    const segments = isRegularFile(entry.header) ? safeSegments(entry.header.name) : undefined;
    if (segments !== undefined && root === undefined && segments.length > 1) root = segments[0];
    const path = segments && root !== undefined ? rootFilePath(segments, root) : undefined;
    if (path === undefined) {
      await drain(entry);
      continue;
    }
    files.set(path, await readRootFile(entry, path, options));
  }
  return { root, files: [...files.values()] };
}

async function readRootFile(entry: Entry, path: string, options: ReadRootFilesOptions): Promise<RootFile> {
  const size = entry.header.size;
  if (!options.wanted(path, size)) {
    await drain(entry);
    return { path, size, content: Buffer.alloc(0) };
  }
  if (size > options.limits.maxChangelogBytes) {
    await drain(entry);
    return { path, size, content: Buffer.alloc(0), oversized: true };
  }
  // The header size, just checked, bounds what tar-stream yields; its chunks are Buffers though typed unknown.
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(chunk as Buffer);
  return { path, size, content: Buffer.concat(chunks) };
}

/** Links, devices and FIFOs are never followed or read, whatever their name. */
function isRegularFile(header: Header): boolean {
  return header.type === 'file' || header.type === 'contiguous-file';
}

/**
 * The entry's path segments, or undefined when the name could escape the extraction folder: absolute paths,
 * Windows drive letters, `..` anywhere. Backslashes count as separators since Windows-built tarballs use them.
 */
function safeSegments(name: string): string[] | undefined {
  if (/^[/\\]/.test(name) || /^[a-zA-Z]:/.test(name)) return undefined;
  const segments = name.split(/[/\\]/).filter((segment) => segment !== '' && segment !== '.');
  if (segments.length === 0 || segments.includes('..')) return undefined;
  return segments;
}

function rootFilePath(segments: string[], root: string): string | undefined {
  if (root === '') return segments.length === 1 ? segments[0] : undefined;
  return segments.length === 2 && segments[0] === root ? segments[1] : undefined;
}

/** Reads an entry to its end without keeping it: tar-stream cannot move to the next header otherwise. */
async function drain(entry: Entry): Promise<void> {
  const chunks = entry[Symbol.asyncIterator]();
  while (!(await chunks.next()).done);
}

function countingStage(count: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      try {
        count(chunk.length);
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
  });
}

/** Fails with a message naming what was found (a zip sdist, not gzip…) rather than zlib's "incorrect header check". */
function expectGzip(label: string): Transform {
  let head = Buffer.alloc(0);
  let checked = false;
  const check = (): ArchiveRejectedError | undefined => {
    checked = true;
    return gzipMagicError(label, head);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      if (checked) return done(null, chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length < 2) return done();
      const error = check();
      return error ? done(error) : done(null, head);
    },
    flush(done: TransformCallback) {
      if (checked) return done();
      const error = check();
      return error ? done(error) : done(null, head);
    },
  });
}

function gzipMagicError(label: string, head: Buffer): ArchiveRejectedError | undefined {
  if (head[0] === 0x1f && head[1] === 0x8b) return undefined;
  if (head.length === 0) return new ArchiveRejectedError(`${label} is empty`, 'malformed');
  if (head[0] === 0x50 && head[1] === 0x4b) {
    return new ArchiveRejectedError(`${label} is a zip file; only gzip'd tar archives are supported`, 'malformed');
  }
  return new ArchiveRejectedError(`${label} is not gzip data`, 'malformed');
}

function malformed(err: unknown): ArchiveRejectedError {
  if (err instanceof ArchiveRejectedError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new ArchiveRejectedError(`archive is corrupt or not a tar archive: ${detail}`, 'malformed');
}
