import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { writeZip } from '../../../test/fixtures/zip_archive';
import { readEventFiles, type FileBatch } from './index';

function doc(i: number, code = '4625'): Record<string, unknown> {
  return {
    '@timestamp': new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
    winlog: {
      channel: 'Security',
      event_id: code,
      computer_name: 'dc01',
      provider_name: 'Microsoft-Windows-Security-Auditing',
      event_data: { TargetUserName: `u${i}`, IpAddress: '10.0.0.9', LogonType: '3' },
    },
  };
}

async function collect(paths: string | string[], opts = {}): Promise<FileBatch[]> {
  const out: FileBatch[] = [];
  for await (const b of readEventFiles(paths, opts)) out.push(b);
  return out;
}

describe('readEventFiles', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'read-files-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('decodes like a whole-file UTF-8 decode when characters (valid or cut short) meet read-chunk boundaries', async () => {
    // Read chunks are 1 MiB. Chunk 1 ends inside a 3-byte "€"; chunk 2 ends with a lone lead byte (invalid UTF-8)
    // and chunk 3 is pure ASCII, so it must not take the ASCII fast path while the decoder holds that byte.
    const CHUNK = 1 << 20;
    const parts: Buffer[] = [];
    let size = 0;
    let i = 0;
    const add = (b: Buffer): void => {
      parts.push(b);
      size += b.length;
    };
    const line = (name: Buffer): Buffer => {
      const [pre, post] = JSON.stringify({ ...doc(i++), note: '@' }).split('"@"');
      return Buffer.concat([Buffer.from(`${pre}"`), name, Buffer.from(`"${post}\n`)]);
    };
    const lineEndingAt = (boundary: number, tail: Buffer): void => {
      // One line whose value puts `tail` across (or right before) `boundary`.
      const probe = line(Buffer.from(''));
      const fill = boundary - size - probe.indexOf('""') - 1 - 1;
      i--;
      add(line(Buffer.concat([Buffer.from('a'.repeat(fill)), tail])));
    };
    const asciiUntil = (n: number): void => {
      while (size < n) add(line(Buffer.from(`ascii${i}`)));
    };
    asciiUntil(CHUNK - 2000);
    lineEndingAt(CHUNK, Buffer.from('€é'));
    asciiUntil(2 * CHUNK - 2000);
    lineEndingAt(2 * CHUNK, Buffer.from([0xe2]));
    asciiUntil(4 * CHUNK);
    add(line(Buffer.from('Ünïcödé tail')));
    const bytes = Buffer.concat(parts);
    expect(bytes.subarray(CHUNK - 1, CHUNK + 2).toString()).toBe('€');
    expect(bytes[2 * CHUNK - 1]).toBe(0xe2);
    expect(bytes.subarray(2 * CHUNK, 3 * CHUNK).every((b) => b < 128)).toBe(true);
    const f = path.join(dir, 'utf8.ndjson');
    fs.writeFileSync(f, bytes);
    const notes: unknown[] = [];
    for await (const b of readEventFiles(f, { keepOriginal: true }))
      for (const e of b.events) notes.push((e.original as { note?: unknown }).note);
    const expected = bytes
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (JSON.parse(l) as { note: unknown }).note);
    expect(notes).toEqual(expected);
    expect(expected.some((n) => typeof n === 'string' && n.endsWith('€é'))).toBe(true);
    expect(expected.some((n) => typeof n === 'string' && n.endsWith('a\ufffd'))).toBe(true);
    expect(notes[notes.length - 1]).toBe('Ünïcödé tail');
  });

  it('reads NDJSON, rejects non-JSON lines with file:line ids, and batches', async () => {
    const f = path.join(dir, 'a.ndjson');
    const lines = [0, 1, 2, 3, 4].map((i) => JSON.stringify(doc(i)));
    lines.splice(2, 0, '{not json');
    fs.writeFileSync(f, `${lines.join('\r\n')}\r\n\r\n`);
    const progress: number[] = [];
    const batches = await collect(f, {
      batchSize: 2,
      onProgress: (p: { bytes: number }) => progress.push(p.bytes),
    });
    const events = batches.flatMap((b) => b.events);
    const rejections = batches.flatMap((b) => b.rejections);
    expect(events.map((e) => e.user?.name)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4']);
    expect(events[0].origin).toEqual({ kind: 'file', format: 'winlogbeat_raw', location: f, id: `${f}:1` });
    expect(events[2].origin.id).toBe(`${f}:4`);
    expect(rejections).toHaveLength(1);
    expect(rejections[0].origin.id).toBe(`${f}:3`);
    expect(rejections[0].reason).toMatch(/line 3 is not JSON/);
    expect(batches.every((b) => b.events.length + b.rejections.length <= 2)).toBe(true);
    expect(progress[progress.length - 1]).toBe(fs.statSync(f).size);
  });

  it('reads a .json array, concatenated pretty objects, .gz, .zip and .tar.gz; directories sorted', async () => {
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify([doc(1), doc(2)], null, 2));
    fs.writeFileSync(
      path.join(dir, 'a.json'),
      `${JSON.stringify(doc(3), null, 2)}\n${JSON.stringify(doc(4), null, 2)}\n`,
    );
    fs.writeFileSync(path.join(dir, 'sub', 'c.ndjson.gz'), zlib.gzipSync(`${JSON.stringify(doc(5))}\n`));
    writeZip(
      path.join(dir, 'sub', 'd.zip'),
      'inner/d.json',
      `${JSON.stringify(doc(6))}\n${JSON.stringify(doc(7))}\n`,
    );
    const stage = path.join(dir, 'stage');
    fs.mkdirSync(stage);
    fs.writeFileSync(path.join(stage, 'e.json'), `${JSON.stringify(doc(8))}\n`);
    // A gzip stream cut before its trailer, as two OTRF archives are upstream.
    const tar = execFileSync('tar', ['-cf', '-', '-C', stage, 'e.json']);
    const gz = zlib.gzipSync(tar);
    fs.writeFileSync(path.join(dir, 'sub', 'f.tar.gz'), gz.subarray(0, gz.length - 8));
    fs.rmSync(stage, { recursive: true });
    fs.writeFileSync(path.join(dir, 'README.md'), 'ignored');

    const batches = await collect(dir);
    expect(batches.map((b) => path.relative(dir, b.file))).toEqual([
      'a.json',
      'b.json',
      path.join('sub', 'c.ndjson.gz'),
      path.join('sub', 'd.zip'),
      path.join('sub', 'f.tar.gz'),
    ]);
    expect(batches.flatMap((b) => b.rejections.map((r) => r.reason))).toEqual([]);
    const names = batches.flatMap((b) => b.events.map((e) => e.user?.name));
    expect(names).toEqual(['u3', 'u4', 'u1', 'u2', 'u5', 'u6', 'u7', 'u8']);
    expect(batches.flatMap((b) => b.rejections)).toEqual([]);
    const zipEvent = batches[3].events[1];
    expect(zipEvent.origin.id).toBe(`${path.join(dir, 'sub', 'd.zip')}!inner/d.json:2`);
    expect(batches[0].events[1].origin.id).toBe(
      `${path.join(dir, 'a.json')}:${JSON.stringify(doc(3), null, 2).split('\n').length + 1}`,
    );
  });

  it('drops events outside since/until (counting them, not as rejections) and still reports the file', async () => {
    const f = path.join(dir, 'a.jsonl');
    fs.writeFileSync(f, [0, 10, 20, 30].map((i) => JSON.stringify(doc(i))).join('\n'));
    const batches = await collect(f, {
      since: new Date(Date.UTC(2024, 0, 1, 0, 0, 10)),
      until: new Date(Date.UTC(2024, 0, 1, 0, 0, 20)),
    });
    expect(batches.flatMap((b) => b.events.map((e) => e.user?.name))).toEqual(['u10', 'u20']);
    expect(batches.flatMap((b) => b.rejections)).toEqual([]);
    expect(batches.reduce((n, b) => n + (b.outOfRange ?? 0), 0)).toBe(2);
    const none = await collect(f, { since: new Date('2030-01-01T00:00:00Z') });
    expect(none).toEqual([{ file: f, events: [], rejections: [], outOfRange: 4 }]);
    expect(await collect(f)).toEqual([expect.not.objectContaining({ outOfRange: expect.anything() })]);
  });

  it('counts events more than a minute older than one before them (a file exported newest first)', async () => {
    const f = path.join(dir, 'newest_first.jsonl');
    // Seconds 600, 590 (10 s back: clock jitter, in order), then 400, 200, 0: three events minutes back.
    fs.writeFileSync(f, [600, 590, 400, 200, 0].map((i) => JSON.stringify(doc(i))).join('\n'));
    const batches = await collect(f);
    expect(batches.flatMap((b) => b.events)).toHaveLength(5);
    expect(batches.reduce((n, b) => n + (b.outOfOrder ?? 0), 0)).toBe(3);
    const sorted = path.join(dir, 'oldest_first.jsonl');
    fs.writeFileSync(sorted, [0, 200, 400, 590, 600].map((i) => JSON.stringify(doc(i))).join('\n'));
    expect(await collect(sorted)).toEqual([expect.not.objectContaining({ outOfOrder: expect.anything() })]);
    // Merged by time with another file, the count still names the file it came from.
    const merged = await collect([sorted, f], { order: 'time' });
    const counted = merged.filter((b) => b.outOfOrder);
    expect(counted.map((b) => [b.file, b.outOfOrder])).toEqual([[f, 3]]);
  });

  it('turns a corrupt archive into a rejection but throws for unreadable paths', async () => {
    const bad = path.join(dir, 'bad.zip');
    fs.writeFileSync(bad, 'not a zip');
    const batches = await collect(bad);
    expect(batches[0].rejections[0].reason).toMatch(/not a zip archive/);
    await expect(collect(path.join(dir, 'missing.ndjson'))).rejects.toThrow(
      /cannot read .*missing\.ndjson: ENOENT/,
    );
    await expect(collect(path.join(dir, 'notes.txt'))).rejects.toThrow(/cannot read/);
  });
});
