/**
 * Streams the members of a .zip without loading it: the central directory (at the end of the file) is read with
 * positioned reads, then each member's data is piped through a raw inflate stream. Stored and deflated members
 * are supported (what OTRF's archives use); ZIP64 and encrypted members are reported as errors.
 */
import * as fs from 'fs';
import type { Readable } from 'stream';
import * as zlib from 'zlib';

export interface ZipMember {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = fs.readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

export function listZipMembers(file: string): ZipMember[] {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const tailLen = Math.min(size, 65557);
    const tail = readAt(fd, size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${file} is not a zip archive (no end-of-central-directory record)`);
    const count = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset === 0xffffffff) throw new Error(`${file}: ZIP64 archives are not supported`);
    const cd = readAt(fd, cdOffset, cdSize);
    const out: ZipMember[] = [];
    let p = 0;
    for (let i = 0; i < count && p + 46 <= cd.length; i++) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: corrupt central directory`);
      const flags = cd.readUInt16LE(p + 8);
      const method = cd.readUInt16LE(p + 10);
      const compressedSize = cd.readUInt32LE(p + 20);
      const uncompressedSize = cd.readUInt32LE(p + 24);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const localHeaderOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      if (flags & 1) throw new Error(`${file}: member ${name} is encrypted`);
      if (!name.endsWith('/'))
        out.push({ name, method, compressedSize, uncompressedSize, localHeaderOffset });
      p += 46 + nameLen + extraLen + commentLen;
    }
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** The member's uncompressed bytes as a stream; `onBytes` sees compressed bytes read (for progress). */
export function openZipMember(file: string, m: ZipMember, onBytes?: (n: number) => void): Readable {
  const fd = fs.openSync(file, 'r');
  let dataStart: number;
  try {
    const local = readAt(fd, m.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== 0x04034b50) throw new Error(`${file}: corrupt local header for ${m.name}`);
    dataStart = m.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  } finally {
    fs.closeSync(fd);
  }
  if (m.method !== 0 && m.method !== 8)
    throw new Error(`${file}: member ${m.name} uses unsupported compression method ${m.method}`);
  const raw = fs.createReadStream(file, {
    start: dataStart,
    end: m.compressedSize > 0 ? dataStart + m.compressedSize - 1 : dataStart,
    highWaterMark: 1 << 20,
  });
  if (onBytes) raw.on('data', (c: Buffer | string) => onBytes(c.length));
  if (m.method === 0) return raw;
  const inflate = zlib.createInflateRaw({ chunkSize: 1 << 20 });
  raw.on('error', (err) => inflate.destroy(err));
  return raw.pipe(inflate);
}
