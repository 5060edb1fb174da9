// Builds package archives in memory, shaped as the registries serve them.
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import tar from 'tar-stream';

export interface ArchiveEntry {
  name: string;
  content?: string | Buffer;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo';
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
      pack.entry({
        name: entry.name,
        type,
        ...(entry.linkname !== undefined && { linkname: entry.linkname }),
        ...(type.endsWith('device') && { devmajor: 1, devminor: 3, mode: 0o644 }),
      });
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** An npm tarball: every file under `package/`. */
export function npmTarball(files: Record<string, string | Buffer>): Promise<Buffer> {
  return tarballUnder('package', files);
}

/** An npm tarball whose files live under another top folder, as some very old packages do. */
export async function tarballUnder(root: string, files: Record<string, string | Buffer>): Promise<Buffer> {
  return zlib.gzipSync(await tarBuffer(Object.entries(files).map(([name, content]) => ({ name: `${root}/${name}`, content }))));
}

/** A PyPI sdist: gzip'd tar with every file under `<name>-<version>/`. */
export function sdistTarball(name: string, version: string, files: Record<string, string | Buffer>): Promise<Buffer> {
  return tarballUnder(`${name}-${version}`, files);
}

export interface GemSpec {
  name: string;
  version: string;
  summary?: string;
  authors?: string[];
  homepage?: string;
  licenses?: string[];
  metadata?: Record<string, string>;
}

function yamlString(value: string): string {
  return JSON.stringify(value);
}

/** A small, plausible `Gem::Specification` in YAML, as `metadata.gz` holds it. */
export function gemSpecYaml(spec: GemSpec, files: string[]): string {
  const metadata = Object.entries(spec.metadata ?? {});
  return [
    '--- !ruby/object:Gem::Specification',
    `name: ${spec.name}`,
    'version: !ruby/object:Gem::Version',
    `  version: ${spec.version}`,
    'platform: ruby',
    'authors:',
    ...(spec.authors ?? ['Anonymous']).map((a) => `- ${yamlString(a)}`),
    'bindir: exe',
    'require_paths:',
    '- lib',
    'files:',
    ...files.map((f) => `- ${yamlString(f)}`),
    `homepage: ${spec.homepage ?? ''}`,
    'licenses:',
    ...(spec.licenses ?? ['MIT']).map((l) => `- ${l}`),
    metadata.length > 0 ? 'metadata:' : 'metadata: {}',
    ...metadata.map(([k, v]) => `  ${k}: ${yamlString(v)}`),
    `summary: ${yamlString(spec.summary ?? '')}`,
    'rubygems_version: 3.5.22',
    'specification_version: 4',
    '',
  ].join('\n');
}

/** A `.gem`: a plain tar of `metadata.gz`, `data.tar.gz` (files with no top folder) and `checksums.yaml.gz`. */
export async function gemFile(spec: GemSpec, files: Record<string, string | Buffer>): Promise<Buffer> {
  const metadataGz = zlib.gzipSync(gemSpecYaml(spec, Object.keys(files)));
  const dataTarGz = zlib.gzipSync(await tarBuffer(Object.entries(files).map(([name, content]) => ({ name, content }))));
  const digest = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('hex');
  const checksums = ['SHA256', 'SHA512']
    .map((alg) => `${alg}:\n  metadata.gz: ${digest(alg.toLowerCase(), metadataGz)}\n  data.tar.gz: ${digest(alg.toLowerCase(), dataTarGz)}\n`)
    .join('');
  return tarBuffer([
    { name: 'metadata.gz', content: metadataGz },
    { name: 'data.tar.gz', content: dataTarGz },
    { name: 'checksums.yaml.gz', content: zlib.gzipSync(`---\n${checksums}`) },
  ]);
}

/** The regular files of a tar (gunzipped first when gzip'd), by name: for checking what a simulator serves. */
export async function readTar(archive: Buffer): Promise<Map<string, Buffer>> {
  const plain = archive[0] === 0x1f && archive[1] === 0x8b ? zlib.gunzipSync(archive) : archive;
  const extract = tar.extract();
  const files = new Map<string, Buffer>();
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (entry.header.type === 'file') files.set(entry.header.name, Buffer.concat(chunks));
    }
  })();
  extract.end(plain);
  await done;
  return files;
}
