/**
 * Streams the regular-file members of a tar (ustar/GNU) archive from a byte stream, one member at a time: each
 * member's content is yielded as chunks while the archive is read, never buffered whole.
 */

export interface TarMember {
  name: string;
  size: number;
  /** The member's content; must be consumed fully before asking for the next member. */
  content: AsyncGenerator<Buffer>;
}

function octal(buf: Buffer, start: number, len: number): number {
  // GNU base-256 for big sizes.
  if (buf[start] & 0x80) {
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + buf[i];
    return v;
  }
  const s = buf
    .toString('ascii', start, start + len)
    .replace(/\0.*$/, '')
    .trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function cString(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end >= 0 && end < start + len ? end : start + len);
}

export async function* tarMembers(source: AsyncIterable<Buffer>): AsyncGenerator<TarMember> {
  const it = source[Symbol.asyncIterator]();
  let pending: Buffer = Buffer.alloc(0);
  let done = false;

  async function fill(n: number): Promise<boolean> {
    while (pending.length < n && !done) {
      const r = await it.next();
      if (r.done) done = true;
      else pending = pending.length === 0 ? r.value : Buffer.concat([pending, r.value]);
    }
    return pending.length >= n;
  }

  async function* body(size: number): AsyncGenerator<Buffer> {
    let left = size;
    while (left > 0) {
      if (pending.length === 0 && !(await fill(1))) return;
      const take = Math.min(left, pending.length);
      const chunk = pending.subarray(0, take);
      pending = pending.subarray(take);
      left -= take;
      yield chunk;
    }
  }

  let longName: string | undefined;
  for (;;) {
    if (!(await fill(512))) return;
    const header = pending.subarray(0, 512);
    pending = pending.subarray(512);
    if (header.every((b) => b === 0)) return;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = cString(header, 345, 155);
    let name = cString(header, 0, 100);
    if (prefix !== '' && header.toString('ascii', 257, 262) === 'ustar') name = `${prefix}/${name}`;
    const padded = Math.ceil(size / 512) * 512;
    if (type === 'L') {
      const parts: Buffer[] = [];
      for await (const c of body(size)) parts.push(c);
      longName = Buffer.concat(parts).toString('utf8').replace(/\0+$/, '');
      await skip(padded - size);
      continue;
    }
    if (longName !== undefined) {
      name = longName;
      longName = undefined;
    }
    if (type === '0' || type === '7') {
      const content = body(size);
      yield { name, size, content };
      // Drain whatever the consumer left, then the padding.
      for await (const _ of content) void _;
      await skip(padded - size);
    } else {
      await skip(padded);
    }
  }

  async function skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      if (pending.length === 0 && !(await fill(1))) return;
      const take = Math.min(left, pending.length);
      pending = pending.subarray(take);
      left -= take;
    }
  }
}
