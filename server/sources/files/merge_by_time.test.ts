import {
  atSecond as t,
  fileBatches as source,
  fileEvent as ev,
  fileRejection as rejection,
} from '../../../test/fixtures/file_batches';
import type { FileBatch } from './index';
import { mergeByTime } from './merge_by_time';

async function collect(sources: AsyncGenerator<FileBatch>[], size: number): Promise<FileBatch[]> {
  const out: FileBatch[] = [];
  for await (const b of mergeByTime(sources, size)) out.push(b);
  return out;
}

describe('mergeByTime', () => {
  it('hands out the events of all files in time order, each file in its own order, ties to the earlier file', async () => {
    const a = source('a', [
      [ev('a', t(1), 1), ev('a', t(4), 2)],
      [ev('a', t(4), 3), ev('a', t(9), 4)],
    ]);
    const b = source('b', [[ev('b', t(0), 1), ev('b', t(4), 2), ev('b', t(5), 3)]]);
    // A file whose own order goes back in time keeps it (it is merged, not sorted).
    const c = source('c', [[ev('c', t(3), 1), ev('c', t(2), 2)]]);
    const out = await collect([a, b, c], 100);
    const ids = out.flatMap((x) => x.events.map((e) => e.origin?.id));
    expect(ids).toEqual(['b:1', 'a:1', 'c:1', 'c:2', 'a:2', 'a:3', 'b:2', 'b:3', 'a:4']);
  });

  it('cuts merged batches at the batch size and names the file of their first event', async () => {
    const a = source('a', [[ev('a', t(1), 1), ev('a', t(3), 2), ev('a', t(5), 3)]]);
    const b = source('b', [[ev('b', t(2), 1), ev('b', t(4), 2)]]);
    const merged = (await collect([a, b], 2)).filter((x) => x.events.length > 0);
    expect(merged.map((x) => [x.file, x.events.length])).toEqual([
      ['a', 2],
      ['a', 2],
      ['a', 1],
    ]);
  });

  it('passes every rejection and every file on, with no events of their own', async () => {
    const a = source('a', [[rejection('a', 1), ev('a', t(1), 2)], [rejection('a', 3)]]);
    const b = source('b', []);
    const out = await collect([a, b], 10);
    expect(out.flatMap((x) => x.rejections.map((r) => r.origin.id))).toEqual(['a:1', 'a:3']);
    expect(new Set(out.map((x) => x.file))).toEqual(new Set(['a', 'b']));
    expect(out.filter((x) => x.rejections.length > 0).every((x) => x.events.length === 0)).toBe(true);
    expect(out.flatMap((x) => x.events).length).toBe(1);
  });

  it('closes every file when the reader stops early', async () => {
    const closed: string[] = [];
    const tracked = (file: string): AsyncGenerator<FileBatch> => {
      const inner = source(file, [[ev(file, t(1), 1)], [ev(file, t(2), 2)]]);
      return (async function* () {
        try {
          yield* inner;
        } finally {
          closed.push(file);
        }
      })();
    };
    for await (const b of mergeByTime([tracked('a'), tracked('b')], 1)) if (b.events.length > 0) break;
    expect(closed.sort()).toEqual(['a', 'b']);
  });
});
