/**
 * EVTX files that hold other chunks than their header says: a truncated copy (its missing chunks are reported, the
 * rest is read), a dirty file whose header lags (the chunks after the header's count are read), and unused space
 * after the last chunk (skipped). Built in a temporary folder from a real recording in the development datasets.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { datasetPath } from '../../../scripts/lib/datasets';
import { execFileSync } from 'child_process';
import { writeZip } from '../../../test/fixtures/zip_archive';
import { chunkRecords, EVTX_CHUNK_BYTES, evtxPieces, type EvtxRecordItem } from './evtx_records';
import { readEventFiles, type ReadEventFilesOptions } from '.';

// 10 chunks in use, 7 more allocated but unused (no chunk signature).
const FILE = datasetPath('evtx-attack-samples', 'Lateral Movement', 'LM_5145_Remote_FileCopy.evtx');
const present = fs.existsSync(FILE);
if (!present) console.warn(`evtx_records: ${FILE} not found (../shared/datasets absent); skipping`);
const describeWithData = present ? describe : describe.skip;

const HEADER = 0x1000;
const CHUNK_COUNT_OFFSET = 0x2a;
const HEADER_CHECKSUM_OFFSET = 0x7c;

/** Every record of the file, as the scan reads it (a stream of bytes, chunk by chunk), with its error items. */
async function all(file: string): Promise<EvtxRecordItem[]> {
  const out: EvtxRecordItem[] = [];
  for await (const piece of evtxPieces(fs.createReadStream(file)))
    if ('chunk' in piece) out.push(...chunkRecords(piece.chunk));
    else out.push(piece.error);
  return out;
}

describeWithData('evtxRecords on files whose chunks differ from their header', () => {
  let dir: string;
  let original: Buffer;
  let full: EvtxRecordItem[];
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apt-evtx-'));
    original = fs.readFileSync(FILE);
    full = await all(FILE);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, bytes: Buffer): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, bytes);
    return p;
  };

  it('reads every record of a whole file without an error item', () => {
    expect(original.readUInt16LE(CHUNK_COUNT_OFFSET)).toBe(10);
    expect(full.length).toBeGreaterThan(50);
    expect(full.filter((r) => r.error !== undefined)).toEqual([]);
  });

  it('reads the whole chunks of a truncated file and reports the missing ones in one error item', async () => {
    const cut = write('cut.evtx', original.subarray(0, HEADER + 2 * EVTX_CHUNK_BYTES + 30_000));
    const got = await all(cut);
    const errors = got.filter((r) => r.error !== undefined);
    expect(errors).toHaveLength(1);
    expect(errors[0].error).toBe(
      `truncated EVTX file: its header lists 10 chunks, the file (${HEADER + 2 * EVTX_CHUNK_BYTES + 30_000} bytes) ` +
        'holds 2 whole chunks and 30000 bytes of the next; the records of the 8 missing chunks were not read',
    );
    // The readable records are exactly the first two chunks' records of the whole file, in order.
    const read = got.filter((r) => r.error === undefined);
    expect(read.length).toBeGreaterThan(0);
    expect(read.length).toBeLessThan(full.length);
    expect(read).toEqual(full.slice(0, read.length));
    // The partial third chunk adds nothing: the same records as a copy cut right after the second chunk.
    const exact = await all(write('cut_exact.evtx', original.subarray(0, HEADER + 2 * EVTX_CHUNK_BYTES)));
    expect(exact.filter((r) => r.error === undefined)).toEqual(read);
  });

  it('reads the chunks a dirty file holds beyond the count in its header', async () => {
    const lagging = Buffer.from(original);
    lagging.writeUInt16LE(3, CHUNK_COUNT_OFFSET);
    lagging.writeUInt32LE(zlib.crc32(lagging.subarray(0, 0x78)), HEADER_CHECKSUM_OFFSET);
    expect(await all(write('dirty.evtx', lagging))).toEqual(full);
  });

  it('skips unused space after the last chunk', async () => {
    const padded = Buffer.concat([original, Buffer.alloc(2 * EVTX_CHUNK_BYTES)]);
    expect(await all(write('padded.evtx', padded))).toEqual(full);
  });

  it('refuses a file whose header is not an EVTX header', async () => {
    await expect(all(write('foreign.evtx', Buffer.alloc(HEADER + EVTX_CHUNK_BYTES, 7)))).rejects.toThrow(
      /header verification failed/,
    );
    await expect(all(write('tiny.evtx', Buffer.from('ElfFile\0')))).rejects.toThrow(
      /header verification failed/,
    );
  });

  it('a scan of a truncated file keeps its events and counts the truncation as a rejection', async () => {
    const cut = write('scan_cut.evtx', original.subarray(0, HEADER + EVTX_CHUNK_BYTES + 100));
    let events = 0;
    const reasons: string[] = [];
    for await (const batch of readEventFiles([cut], {})) {
      events += batch.events.length;
      reasons.push(...batch.rejections.map((r) => r.reason));
    }
    expect(events).toBeGreaterThan(0);
    expect(reasons).toEqual([
      expect.stringMatching(/^truncated EVTX file: .* 9 missing chunks were not read$/),
    ]);
  });

  it('reader threads give the same events, ids and rejections, in the same order, as one thread', async () => {
    // A chunk the header counts without its signature (an error item between chunks) and a truncated end.
    const damaged = Buffer.from(original.subarray(0, HEADER + 6 * EVTX_CHUNK_BYTES + 500));
    damaged.fill(0, HEADER + 2 * EVTX_CHUNK_BYTES, HEADER + 2 * EVTX_CHUNK_BYTES + 8);
    const file = write('damaged.evtx', damaged);
    const read = async (opts: ReadEventFilesOptions): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const b of readEventFiles([file], { batchSize: 37, ...opts }))
        out.push(
          ...b.events.map((e) => ['event', e]),
          ...b.rejections.map((r) => ['rejection', r.origin.id, r.reason]),
        );
      return out;
    };
    const one = await read({ evtxWorkers: 0 });
    const threads = await read({ evtxWorkers: 2, evtxParallelMinBytes: 0 });
    expect(threads).toEqual(one);
    const reasons = one.filter((x) => (x as unknown[])[0] === 'rejection').map((x) => (x as unknown[])[2]);
    expect(reasons).toEqual([
      'unreadable chunk 2: no chunk signature (ElfChnk)',
      expect.stringMatching(
        /^truncated EVTX file: its header lists 10 chunks, .* 6 whole chunks and 500 bytes/,
      ),
    ]);
  });

  it('reads .evtx.gz files and EVTX members of .zip and .tar.gz archives, and the members after them', async () => {
    const ndjson = `${JSON.stringify({
      '@timestamp': '2024-01-01T00:00:00.000Z',
      winlog: {
        channel: 'Security',
        event_id: '4625',
        computer_name: 'dc01',
        event_data: { TargetUserName: 'u1' },
      },
    })}\n`;
    const stage = fs.mkdtempSync(path.join(dir, 'stage-'));
    fs.writeFileSync(path.join(stage, 'a.evtx'), original.subarray(0, HEADER + 3 * EVTX_CHUNK_BYTES + 10));
    fs.writeFileSync(path.join(stage, 'b.ndjson'), ndjson);
    const tarGz = write(
      'both.tar.gz',
      zlib.gzipSync(execFileSync('tar', ['-cf', '-', '-C', stage, 'a.evtx', 'b.ndjson'])),
    );
    const zip = path.join(dir, 'one.zip');
    writeZip(zip, 'logs/Security.evtx', original);
    const summary = async (file: string): Promise<Record<string, number>> => {
      const out: Record<string, number> = {};
      for await (const b of readEventFiles([file], { evtxWorkers: 0 })) {
        for (const e of b.events) out[e.origin!.location] = (out[e.origin!.location] ?? 0) + 1;
        for (const r of b.rejections) out[`rejected: ${r.reason.split(':')[0]}`] = 1;
      }
      return out;
    };
    const direct = await summary(path.join(stage, 'a.evtx'));
    const records = direct[path.join(stage, 'a.evtx')];
    expect(records).toBeGreaterThan(0);
    expect(records).toBeLessThan(full.length);
    expect(await summary(tarGz)).toEqual({
      [`${tarGz}!a.evtx`]: records,
      [`${tarGz}!b.ndjson`]: 1,
      'rejected: truncated EVTX file': 1,
    });
    expect(await summary(zip)).toEqual({ [`${zip}!logs/Security.evtx`]: full.length });
    const gz = write('Security.evtx.gz', zlib.gzipSync(original));
    expect(await summary(gz)).toEqual({ [gz]: full.length });
  });

  it('merged in time order, files read with and without reader threads give the same events', async () => {
    const second = write('second.evtx', original.subarray(0, HEADER + 4 * EVTX_CHUNK_BYTES));
    const ids = async (opts: ReadEventFilesOptions): Promise<string[]> => {
      const out: string[] = [];
      for await (const b of readEventFiles([FILE, second], { order: 'time', batchSize: 50, ...opts }))
        out.push(...b.events.map((e) => `${e['@timestamp']} ${e.origin?.id}`));
      return out;
    };
    const one = await ids({ evtxWorkers: 0 });
    expect(one.length).toBeGreaterThan(full.length);
    expect(await ids({ evtxWorkers: 2, evtxParallelMinBytes: 0 })).toEqual(one);
  });
});
