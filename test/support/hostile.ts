// Hostile package archives, built in memory without ever holding what they expand to.
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';
import { tarBuffer } from '../../demo/archives';

const MB = 1024 * 1024;

export type RawType = 'file' | 'symlink' | 'link' | 'character-device' | 'block-device' | 'fifo' | 'directory';

const TYPE_FLAGS: Record<RawType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  'character-device': '3',
  'block-device': '4',
  directory: '5',
  fifo: '6',
};

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/**
 * One ustar header, written by hand so that it can declare any size (e.g. 1 GB) and any name (`../x`, `/x`)
 * whatever a tar library would allow.
 */
export function tarHeader(name: string, size: number, type: RawType = 'file', linkname = ''): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write(octal(0o644, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(Math.floor(Date.now() / 1000), 12), 136, 'ascii');
  header.write('        ', 148, 'ascii');
  header.write(TYPE_FLAGS[type], 156, 'ascii');
  header.write(linkname, 157, 100, 'utf8');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return header;
}

/** A regular file's header, content and padding to the next 512-byte boundary. */
export function tarFile(name: string, content: string | Buffer): Buffer {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const pad = (512 - (bytes.length % 512)) % 512;
  return Buffer.concat([tarHeader(name, bytes.length), bytes, Buffer.alloc(pad)]);
}

export const TAR_END = Buffer.alloc(1024);

/**
 * A gzip stream whose content is `head`, then `zeroMb` MB of zero bytes, then `tail`: written as concatenated gzip
 * members (RFC 1952 allows any number), the zeros as one 1 MB member repeated, so a gigabyte of content costs
 * about 1 MB to build and to hold.
 */
export function gzipWithZeros(head: Buffer, zeroMb: number, tail: Buffer = Buffer.alloc(0)): Buffer {
  const zeroMember = zlib.gzipSync(Buffer.alloc(MB), { level: 9 });
  const members = [zlib.gzipSync(head)];
  for (let i = 0; i < zeroMb; i++) members.push(zeroMember);
  if (tail.length > 0) members.push(zlib.gzipSync(tail));
  return Buffer.concat(members);
}

/** A package archive holding a README, plus one non-regular entry named `package/CHANGELOG.md`. */
export async function tarWithSpecialEntry(type: 'character-device' | 'block-device' | 'fifo'): Promise<Buffer> {
  return zlib.gzipSync(await tarBuffer([{ name: 'package/README.md', content: '# readme\n' }, { name: 'package/CHANGELOG.md', type }]));
}

/** Bytes that are neither text nor anything in particular. */
export function noise(bytes: number): Buffer {
  return randomBytes(bytes);
}

/** A minimal zip file (one stored entry), for a registry serving a zip where a tarball belongs. */
export function zipFile(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const fileName = Buffer.from(name);
  // The CRC is left 0: nothing should get far enough to check it.
  const crc = 0;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}
