// Builds package archives in memory, shaped as the registries serve them.
import zlib from 'node:zlib';
import tar from 'tar-stream';

export interface ArchiveEntry {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
}

export async function tarBuffer(entries: ArchiveEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    if (type === 'file') {
      pack.entry({ name: entry.name, mode: 0o644 }, entry.content ?? '');
    } else {
      pack.entry({ name: entry.name, type, ...(entry.linkname !== undefined && { linkname: entry.linkname }) });
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** An npm tarball: every file under `package/`. */
export async function npmTarball(files: Record<string, string | Buffer>): Promise<Buffer> {
  return zlib.gzipSync(await tarBuffer(Object.entries(files).map(([name, content]) => ({ name: `package/${name}`, content }))));
}
