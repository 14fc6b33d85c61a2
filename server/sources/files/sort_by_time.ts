/**
 * Every event of a batch stream put in `@timestamp` order, for files exported newest first or unsorted, which no merge
 * can put in order. Memory stays bounded: events are gathered in runs of `runEvents`; a full run is sorted and written
 * to a temporary NDJSON file, and once everything is read the runs are merged by time (merge_by_time.ts), each run
 * read back a few events at a time. Input that fits in one run is sorted in memory and never touches the disk.
 * The temporary files go under `spillDir` (default: the system's temporary directory, TMPDIR) and are removed when the
 * stream ends, is stopped early, or fails.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import type { Event } from '../../../common/event';
import type { FileBatch } from './index';
import { mergeByTime } from './merge_by_time';

export interface SortByTimeOptions {
  /** Events per batch handed on. */
  batchSize: number;
  /**
   * Events held before a sorted run is written to disk. Default 50,000: about 150 MB of normalized events (some 3 KB
   * each in memory), so a scan's peak stays near that of a time-ordered read whatever the input's size.
   */
  runEvents?: number;
  /** Where the runs are written; default os.tmpdir(). A run takes about the size of its events as JSON. */
  spillDir?: string;
}

export const DEFAULT_RUN_EVENTS = 50_000;
/** Events read back from a run per step of the merge: each run holds this many while it waits its turn. */
const RUN_READ_BATCH = 64;
/** Lines joined per write while a run is spilled. */
const RUN_WRITE_LINES = 512;

/** Normalized @timestamps are canonical ISO strings: they sort as times. Array.prototype.sort is stable. */
function sortRun(run: Event[]): Event[] {
  return run.sort((x, y) =>
    x['@timestamp'] < y['@timestamp'] ? -1 : x['@timestamp'] > y['@timestamp'] ? 1 : 0,
  );
}

async function writeRun(run: Event[], file: string): Promise<void> {
  async function* lines(): AsyncGenerator<string> {
    for (let i = 0; i < run.length; i += RUN_WRITE_LINES) {
      let text = '';
      const end = Math.min(run.length, i + RUN_WRITE_LINES);
      for (let j = i; j < end; j++) text += `${JSON.stringify(run[j])}\n`;
      yield text;
    }
  }
  await pipeline(Readable.from(lines()), fs.createWriteStream(file));
}

/** A run's events in batches, named after the file of each batch's first event. */
async function* readRun(file: string): AsyncGenerator<FileBatch> {
  const input = fs.createReadStream(file, { encoding: 'utf8' });
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let events: Event[] = [];
  try {
    for await (const line of lines) {
      events.push(JSON.parse(line) as Event);
      if (events.length >= RUN_READ_BATCH) {
        yield { file: events[0].origin.location, events, rejections: [] };
        events = [];
      }
    }
    if (events.length > 0) yield { file: events[0].origin.location, events, rejections: [] };
  } finally {
    lines.close();
    input.destroy();
  }
}

async function* inMemory(run: Event[], batchSize: number): AsyncGenerator<FileBatch> {
  for (let i = 0; i < run.length; i += batchSize) {
    const events = run.slice(i, i + batchSize);
    yield { file: events[0].origin.location, events, rejections: [] };
  }
}

/**
 * Every event of the batches sorted by `@timestamp` (stable: events of one instant keep their reading order), handed on
 * in batches of `batchSize` once everything is read; rejections and out-of-range counts pass on as they come, and every
 * file is named in a batch of its own as soon as it is read.
 */
export async function* sortAllByTime(
  batches: AsyncIterable<FileBatch>,
  opts: SortByTimeOptions,
): AsyncGenerator<FileBatch> {
  const runEvents = Math.max(1, opts.runEvents ?? DEFAULT_RUN_EVENTS);
  const named = new Set<string>();
  const runFiles: string[] = [];
  let dir: string | undefined;
  let run: Event[] = [];
  try {
    for await (const b of batches) {
      // Its out-of-order count is moot once sorted.
      if (b.rejections.length > 0 || b.outOfRange || !named.has(b.file)) {
        named.add(b.file);
        yield { file: b.file, events: [], rejections: b.rejections, outOfRange: b.outOfRange };
      }
      for (const e of b.events) {
        run.push(e);
        if (run.length < runEvents) continue;
        const base = opts.spillDir ?? os.tmpdir();
        let file = base;
        try {
          dir ??= await fs.promises.mkdtemp(path.join(base, 'apt-sort-'));
          file = path.join(dir, `run-${runFiles.length}.ndjson`);
          runFiles.push(file);
          await writeRun(sortRun(run), file);
        } catch (err) {
          throw new Error(
            `sorting by time could not write a sorted run to ${file}: ${(err as Error).message} ` +
              '(the runs take about 80% of the NDJSON input; point TMPDIR at a disk with room)',
          );
        }
        run = [];
      }
    }
    sortRun(run);
    if (runFiles.length === 0) {
      yield* inMemory(run, opts.batchSize);
      return;
    }
    // Runs in reading order, the last (still in memory) last: the merge's ties go to the earlier source, so events
    // of one instant keep their reading order across runs too.
    yield* mergeByTime([...runFiles.map(readRun), inMemory(run, RUN_READ_BATCH)], opts.batchSize);
  } finally {
    if (dir) await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
