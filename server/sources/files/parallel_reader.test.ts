import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Event, NormalizeResult, Rejection } from '../../../common/event';
import { readEventFiles, type FileBatch } from './index';
import { lineContext } from './line_results';
import { lineBlocks, readNdjsonInParallel } from './parallel_reader';
import { parseBlock } from './parse_worker';

jest.setTimeout(60_000);

function doc(i: number): Record<string, unknown> {
  return {
    '@timestamp': new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(),
    winlog: {
      channel: 'Security',
      event_id: '4625',
      computer_name: 'dc01',
      provider_name: 'Microsoft-Windows-Security-Auditing',
      // Non-ASCII in some lines: those blocks take the UTF-8 decoder, the others latin1.
      event_data: {
        TargetUserName: i % 7 === 0 ? `usér${i}®` : `u${i}`,
        IpAddress: '10.0.0.9',
        LogonType: '3',
      },
    },
  };
}

/** Every shape a line file can have: BOM, CRLF, blank and whitespace lines, bad JSON, no final newline. */
function awkwardFile(lines: number): string {
  const parts: string[] = ['\ufeff'];
  for (let i = 0; i < lines; i++) {
    if (i % 97 === 5) parts.push('{"not": json\n');
    else if (i % 89 === 3) parts.push('\n');
    else if (i % 83 === 4) parts.push('   \r\n');
    else parts.push(`${JSON.stringify(doc(i))}${i % 2 ? '\r\n' : '\n'}`);
  }
  parts.push(JSON.stringify(doc(lines)));
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'par-read-')), 'events.ndjson');
  fs.writeFileSync(file, parts.join(''));
  return file;
}

async function sequential(file: string): Promise<FileBatch[]> {
  const out: FileBatch[] = [];
  for await (const b of readEventFiles(file, { readWorkers: 0, batchSize: 100 })) out.push(b);
  return out;
}

describe('parallel NDJSON reading', () => {
  const file = awkwardFile(3000);

  it('gives the same events, ids and rejections, in the same order, as reading on one thread', async () => {
    const expected = await sequential(file);
    const events: Event[] = [];
    const rejections: Rejection[] = [];
    let blocks = 0;
    // Small blocks: many block edges, each one a chance to lose, repeat or misnumber a line.
    for await (const results of readNdjsonInParallel(file, {
      location: file,
      workers: 2,
      blockBytes: 4096,
    })) {
      blocks++;
      for (const r of results) ('rejected' in r ? rejections : events).push(r as never);
    }
    expect(blocks).toBeGreaterThan(50);
    expect(events).toEqual(expected.flatMap((b) => b.events));
    expect(rejections).toEqual(expected.flatMap((b) => b.rejections));
    expect(rejections.length).toBeGreaterThan(20);
    expect(rejections[0].reason).toMatch(/^line 6 is not JSON: /);
  });

  it('makes the same batches through readEventFiles when the workers are on', async () => {
    const batches: FileBatch[] = [];
    for await (const b of readEventFiles(file, { readWorkers: 2, parallelMinBytes: 1, batchSize: 100 })) {
      batches.push(b);
    }
    expect(batches).toEqual(await sequential(file));
  });

  it('numbers lines across blocks, grows a block for a line longer than it, and keeps an unterminated last line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'par-blocks-'));
    const f = path.join(dir, 'x.ndjson');
    fs.writeFileSync(f, `a\nbb\n${'c'.repeat(50)}\nd\ne`);
    const blocks: { text: string; baseLine: number }[] = [];
    for await (const b of lineBlocks(f, 8)) blocks.push({ text: b.bytes.toString(), baseLine: b.baseLine });
    expect(blocks).toEqual([
      { text: 'a\nbb\n', baseLine: 0 },
      { text: `${'c'.repeat(50)}\n`, baseLine: 2 },
      { text: 'd\n', baseLine: 3 },
      { text: 'e', baseLine: 4 },
    ]);
  });

  it('parses a block like the line splitter: CRLF trimmed, blank lines skipped but counted, BOM dropped', () => {
    const text = `\ufeff${JSON.stringify(doc(1))}\r\n\n${JSON.stringify(doc(2))}`;
    const results: NormalizeResult[] = parseBlock(Buffer.from(text), 10, true, lineContext('f.ndjson'));
    expect(results.map((r) => r.origin.id)).toEqual(['f.ndjson:11', 'f.ndjson:13']);
    expect(results.every((r) => !('rejected' in r))).toBe(true);
  });
});
