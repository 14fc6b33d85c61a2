import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Event } from '../../../common/event';
import {
  atSecond as t,
  fileBatches as source,
  fileEvent as ev,
  fileRejection as rejection,
} from '../../../test/fixtures/file_batches';
import type { FileBatch } from './index';
import { sortAllByTime, type SortByTimeOptions } from './sort_by_time';

async function* chain(...streams: AsyncGenerator<FileBatch>[]): AsyncGenerator<FileBatch> {
  for (const s of streams) yield* s;
}

async function sorted(input: AsyncIterable<FileBatch>, opts: SortByTimeOptions): Promise<FileBatch[]> {
  const out: FileBatch[] = [];
  for await (const b of sortAllByTime(input, opts)) out.push(b);
  return out;
}

/** Two files read newest first, with a rejection and ties between them. */
function newestFirstFiles(): AsyncGenerator<FileBatch> {
  return chain(
    source('a', [
      [ev('a', t(50), 1), ev('a', t(30), 2)],
      [rejection('a', 3), ev('a', t(10), 4)],
    ]),
    source('b', [[ev('b', t(30), 1), ev('b', t(20), 2)]]),
  );
}

const expectedOrder = ['a:4', 'b:2', 'a:2', 'b:1', 'a:1'];

describe('sortAllByTime', () => {
  let spillDir: string;
  beforeEach(() => {
    spillDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sort-test-'));
  });
  afterEach(() => fs.rmSync(spillDir, { recursive: true, force: true }));

  it('hands on every event sorted by time once all are read, ties in reading order, rejections as they come', async () => {
    const out = await sorted(newestFirstFiles(), { batchSize: 2, spillDir });
    const withEvents = out.filter((b) => b.events.length > 0);
    expect(withEvents.flatMap((b) => b.events.map((e) => e.origin.id))).toEqual(expectedOrder);
    expect(withEvents.map((b) => [b.file, b.events.length])).toEqual([
      ['a', 2],
      ['a', 2],
      ['a', 1],
    ]);
    // Each file is named before any sorted event comes, and the rejection passes on with its file.
    const first = out.slice(0, out.indexOf(withEvents[0]));
    expect(first.map((b) => b.file)).toEqual(['a', 'a', 'b']);
    expect(first.flatMap((b) => b.rejections.map((r) => r.origin.id))).toEqual(['a:3']);
    // Input that fits in one run never touches the disk.
    expect(fs.readdirSync(spillDir)).toEqual([]);
  });

  it('spills sorted runs to disk beyond runEvents and merges them into the same order, events unchanged', async () => {
    const inMemory = await sorted(newestFirstFiles(), { batchSize: 2, spillDir });
    const spilled = await sorted(newestFirstFiles(), { batchSize: 2, runEvents: 1, spillDir });
    const events = (bs: FileBatch[]): Event[] => bs.flatMap((b) => b.events);
    expect(events(spilled).map((e) => e.origin.id)).toEqual(expectedOrder);
    expect(events(spilled)).toEqual(events(inMemory));
    expect(spilled.flatMap((b) => b.rejections.map((r) => r.origin.id))).toEqual(['a:3']);
  });

  it('keeps reading order among many events of one instant across runs', async () => {
    const same = Array.from({ length: 50 }, (_, i) => ev('a', t(i % 2 === 0 ? 5 : 1), i));
    const out = await sorted(source('a', [same.slice(0, 20), same.slice(20)]), {
      batchSize: 7,
      runEvents: 9,
      spillDir,
    });
    const ids = out.flatMap((b) => b.events.map((e) => e.origin.id));
    const odd = same.filter((_, i) => i % 2 === 1).map((e) => e.origin.id);
    const even = same.filter((_, i) => i % 2 === 0).map((e) => e.origin.id);
    expect(ids).toEqual([...odd, ...even]);
  });

  it('writes its runs under the spill directory and removes them when done', async () => {
    const seen: string[] = [];
    for await (const b of sortAllByTime(newestFirstFiles(), { batchSize: 1, runEvents: 2, spillDir })) {
      if (b.events.length > 0 && seen.length === 0) {
        const [runDir] = fs.readdirSync(spillDir);
        seen.push(...fs.readdirSync(path.join(spillDir, runDir)));
      }
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(fs.readdirSync(spillDir)).toEqual([]);
  });

  it('removes its runs when the reader stops early, and when reading fails', async () => {
    for await (const b of sortAllByTime(newestFirstFiles(), { batchSize: 1, runEvents: 1, spillDir }))
      if (b.events.length > 0) break;
    expect(fs.readdirSync(spillDir)).toEqual([]);

    async function* failing(): AsyncGenerator<FileBatch> {
      yield* source('a', [[ev('a', t(3), 1), ev('a', t(2), 2)]]);
      throw new Error('disk gone');
    }
    await expect(sorted(failing(), { batchSize: 1, runEvents: 1, spillDir })).rejects.toThrow('disk gone');
    expect(fs.readdirSync(spillDir)).toEqual([]);
  });

  it('says where it could not write its runs, and why', async () => {
    const missing = path.join(spillDir, 'no-such-dir');
    await expect(
      sorted(newestFirstFiles(), { batchSize: 1, runEvents: 1, spillDir: missing }),
    ).rejects.toThrow(new RegExp(`could not write a sorted run to ${missing}: ENOENT.*TMPDIR`));
  });
});
