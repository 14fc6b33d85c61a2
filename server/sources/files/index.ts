/**
 * Reads Windows events from files: .evtx, .ndjson/.jsonl/.json (NDJSON, one array, or concatenated objects),
 * their .gz, and .zip / .tar.gz archives of those (the OTRF datasets), and directories of all of them
 * (recursively, sorted). Streams: line files and archives are never held whole. Every document goes through
 * normalizeDocument; bad content becomes a Rejection, only unreadable paths throw.
 */
import { isAscii } from 'buffer';
import * as fs from 'fs';
import { StringDecoder } from 'string_decoder';
import { Readable } from 'stream';
import * as zlib from 'zlib';
import type { Event, NormalizeResult, Rejection } from '../../../common/event';
import { chunkRecords, evtxPieces } from './evtx_records';
import { splitJson, type JsonText } from './json_stream';
import { fileRejection, lineContext, resultOfEvtxRecord, resultOfLine } from './line_results';
import { fileKind, listEventFiles } from './list_files';
import { mergeByTime } from './merge_by_time';
import { defaultReadWorkers, readEvtxInParallel, readNdjsonInParallel } from './parallel_reader';
import { tarMembers } from './tar_entries';
import { sortAllByTime } from './sort_by_time';
import { listZipMembers, openZipMember } from './zip_entries';

export interface FileProgress {
  file: string;
  bytes: number;
  totalBytes: number;
}

export interface FileBatch {
  /** The file read (with `order: 'time'`, a batch's events can come from several files: then the first one's). */
  file: string;
  events: Event[];
  rejections: Rejection[];
  /** Events read and normalized but left out by since/until (present only when some were). */
  outOfRange?: number;
  /**
   * Events more than OUT_OF_ORDER_MS older than an event read before them from the same file (present only when some
   * were): a file exported newest first, or not sorted at all. Detection follows time, so the scan says so.
   */
  outOfOrder?: number;
}

/** How far back an event may be from the newest one before it and still count as in order (hosts' clocks, batching). */
export const OUT_OF_ORDER_MS = 60_000;

export interface ReadEventFilesOptions {
  since?: Date;
  until?: Date;
  keepOriginal?: boolean;
  /** Events + rejections per batch; default 1000. */
  batchSize?: number;
  onProgress?: (p: FileProgress) => void;
  /**
   * Worker threads that parse and normalize large NDJSON files (parallel_reader.ts); 0 reads on the calling thread.
   * Default: up to three, none on a single core. Output is the same either way.
   */
  readWorkers?: number;
  /** NDJSON files at least this large are read with the workers; default 32 MiB (smaller ones are not worth a thread). */
  parallelMinBytes?: number;
  /**
   * Worker threads that render and normalize large EVTX files chunk by chunk; 0 reads on the calling thread.
   * Default: one per core but one, at most three. The scan CLI passes cores - 2: with records rendered straight into
   * objects, a reader thread gains nothing measurable on two cores. Output is the same either way.
   */
  evtxWorkers?: number;
  /** EVTX files at least this large are read with the workers; default 4 MiB (64 chunks, some 5,000 records). */
  evtxParallelMinBytes?: number;
  /**
   * `files` (default): one file after the other. `time`: all files at once, their events merged by `@timestamp`
   * (merge_by_time.ts), as a host's per-channel log files should reach the detectors; each file keeps its own order.
   * `sorted`: every event of every file read first, then handed on sorted by `@timestamp` (for files exported newest
   * first or unsorted; beyond `sortRunEvents` events, sorted runs are written to `sortSpillDir`: sort_by_time.ts).
   */
  order?: 'files' | 'time' | 'sorted';
  /** With `order: 'sorted'`: events held before a sorted run is written to disk; default 50,000. */
  sortRunEvents?: number;
  /** With `order: 'sorted'`: where the sorted runs are written; default os.tmpdir(). */
  sortSpillDir?: string;
}

const PARALLEL_MIN_BYTES = 32 << 20;
const EVTX_PARALLEL_MIN_BYTES = 4 << 20;
const MERGE_FILE_BATCH = 16;
const MERGE_CHUNK = 64 << 10;
/**
 * For a .evtx.gz, the EVTX size that decides whether reader threads start: gzip shrinks the development EVTX files 9
 * to 83 times, so ten times the compressed size is a low guess.
 */
const EVTX_GZIP_RATIO = 10;

const CHUNK = 1 << 20;

/** Collects normalized results for one file and hands out full batches. */
class Batcher {
  events: Event[] = [];
  rejections: Rejection[] = [];
  private outOfRange = 0;
  private outOfOrder = 0;
  /** The newest @timestamp accepted so far (canonical ISO strings compare as times). */
  private newest = '';
  private readonly since: string | undefined;
  private readonly until: string | undefined;
  /** normalizeDocument options, one object per file rather than one per document. */
  readonly normalizeOpts: { keepOriginal?: boolean };

  constructor(
    readonly file: string,
    private readonly size: number,
    opts: ReadEventFilesOptions,
  ) {
    // Normalized @timestamps are canonical ISO strings, so the range test is a string comparison.
    this.since = opts.since?.toISOString();
    this.until = opts.until?.toISOString();
    this.normalizeOpts = { keepOriginal: opts.keepOriginal };
  }

  /** Keeps a normalized result: rejections always, events inside since/until. */
  accept(r: NormalizeResult): void {
    if ('rejected' in r) {
      this.rejections.push(r);
      return;
    }
    const ts = r['@timestamp'];
    if ((this.since !== undefined && ts < this.since) || (this.until !== undefined && ts > this.until)) {
      this.outOfRange++;
      return;
    }
    if (ts >= this.newest) this.newest = ts;
    else if (Date.parse(this.newest) - Date.parse(ts) > OUT_OF_ORDER_MS) this.outOfOrder++;
    this.events.push(r);
  }

  reject(reason: string, location: string, id: string, original: unknown): void {
    this.rejections.push(fileRejection(reason, location, id, original));
  }

  get full(): boolean {
    return this.events.length + this.rejections.length >= this.size;
  }

  take(): FileBatch {
    const b: FileBatch = { file: this.file, events: this.events, rejections: this.rejections };
    if (this.outOfRange > 0) b.outOfRange = this.outOfRange;
    if (this.outOfOrder > 0) b.outOfOrder = this.outOfOrder;
    this.events = [];
    this.rejections = [];
    this.outOfRange = 0;
    this.outOfOrder = 0;
    return b;
  }
}

async function* decode(
  stream: AsyncIterable<Buffer | string>,
  onBytes?: (n: number) => void,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let first = true;
  // True while the decoder may hold the first bytes of a character cut at a chunk end.
  let pending = false;
  for await (const chunk of stream) {
    if (onBytes) onBytes(chunk.length);
    let s: string;
    if (typeof chunk === 'string') s = chunk;
    else {
      const ascii = isAscii(chunk);
      // Pure ASCII (most log files): latin1 decoding gives the same string at about twice the speed of UTF-8.
      if (ascii && !pending) s = chunk.toString('latin1');
      else {
        s = decoder.write(chunk);
        pending = !ascii;
      }
    }
    // A UTF-8 byte-order mark would make the first document unparseable.
    if (first && s.length > 0) {
      if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      first = false;
    }
    if (s.length > 0) yield s;
  }
  const tail = decoder.end();
  if (tail.length > 0) yield tail;
}

/** Tolerates a gzip stream whose trailer is missing (two OTRF tar.gz files end early upstream). */
function gunzip(): zlib.Gunzip {
  return zlib.createGunzip({ chunkSize: CHUNK, finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

function fileStream(file: string, chunkBytes = CHUNK): fs.ReadStream {
  return fs.createReadStream(file, { highWaterMark: chunkBytes });
}

/** Counts the bytes read from disk (compressed bytes for .gz) as they pass, for progress. */
async function* counted(src: AsyncIterable<Buffer>, onBytes: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const c of src) {
    onBytes(c.length);
    yield c;
  }
}

function pipeGz(src: Readable): Readable {
  const gz = gunzip();
  src.on('error', (err) => gz.destroy(err));
  return src.pipe(gz);
}

async function* readJsonTexts(
  texts: AsyncIterable<JsonText[]>,
  location: string,
  batcher: Batcher,
): AsyncGenerator<FileBatch> {
  const ctx = lineContext(location, batcher.normalizeOpts.keepOriginal);
  for await (const group of texts)
    for (const t of group) {
      const r = resultOfLine(t.text, t.line, ctx);
      if (r === undefined) continue;
      batcher.accept(r);
      if (batcher.full) yield batcher.take();
    }
}

/** The same batches as readJsonTexts over splitLines, with the parsing and normalizing done by worker threads. */
async function* readLinesInParallel(
  file: string,
  opts: ReadEventFilesOptions,
  workers: number,
  batcher: Batcher,
  onBytes: (n: number) => void,
): AsyncGenerator<FileBatch> {
  const blocks = readNdjsonInParallel(file, {
    location: file,
    keepOriginal: opts.keepOriginal,
    workers,
    onBytes,
  });
  for await (const results of blocks)
    for (const r of results) {
      batcher.accept(r);
      if (batcher.full) yield batcher.take();
    }
}

/**
 * Reader threads for a file of this kind and size: the configured (or default) count when the file is large enough to
 * be worth them, else 0. For a .evtx.gz, `bytes` is the guess of its EVTX size.
 */
function readerThreads(kind: 'evtx' | 'lines', bytes: number, opts: ReadEventFilesOptions): number {
  const workers = (kind === 'evtx' ? opts.evtxWorkers : opts.readWorkers) ?? defaultReadWorkers();
  const min =
    kind === 'evtx'
      ? (opts.evtxParallelMinBytes ?? EVTX_PARALLEL_MIN_BYTES)
      : (opts.parallelMinBytes ?? PARALLEL_MIN_BYTES);
  return workers > 0 && bytes >= min ? workers : 0;
}

/**
 * The records of an EVTX file or archive member (`size` bytes, which decides whether reader threads are worth
 * starting). A foreign file, or a reading that fails, is one rejection; what was read before it is kept.
 */
async function* readEvtx(
  bytes: AsyncIterable<Buffer>,
  location: string,
  size: number,
  opts: ReadEventFilesOptions,
  batcher: Batcher,
): AsyncGenerator<FileBatch> {
  const ctx = lineContext(location, opts.keepOriginal);
  const workers = readerThreads('evtx', size, opts);
  let started = false;
  const pieces = (async function* () {
    for await (const piece of evtxPieces(bytes)) {
      started = true;
      yield piece;
    }
  })();
  try {
    if (workers > 0) {
      for await (const results of readEvtxInParallel(pieces, {
        location,
        keepOriginal: opts.keepOriginal,
        workers,
      }))
        for (const r of results) {
          batcher.accept(r);
          if (batcher.full) yield batcher.take();
        }
    } else {
      for await (const piece of pieces) {
        // A chunk is rendered whole (its parser state then goes), its records normalized one by one: a file waiting
        // its turn in a merge holds a chunk's rendered records and one batch, not a chunk's worth of events.
        const records = 'chunk' in piece ? [...chunkRecords(piece.chunk, opts.keepOriginal)] : [piece.error];
        for (const r of records) {
          batcher.accept(resultOfEvtxRecord(r, ctx));
          if (batcher.full) yield batcher.take();
        }
      }
    }
  } catch (err) {
    // Before the first chunk: a foreign file. After it: what was read is kept and the rest is named as lost.
    const reason = started
      ? `EVTX reading stopped, the rest of the file was not read: ${(err as Error).message}`
      : `not a readable EVTX file: ${(err as Error).message}`;
    batcher.reject(reason, location, `${location}#0`, undefined);
  }
}

/** `chunkBytes`: the size of each read from disk (smaller when many files are open at once). */
async function* readOneFile(
  file: string,
  opts: ReadEventFilesOptions,
  chunkBytes = CHUNK,
): AsyncGenerator<FileBatch> {
  const kind = fileKind(file);
  const totalBytes = fs.statSync(file).size;
  const batcher = new Batcher(file, Math.max(1, opts.batchSize ?? 1000), opts);
  let bytes = 0;
  const onBytes = (n: number): void => {
    bytes += n;
    opts.onProgress?.({ file, bytes, totalBytes });
  };
  switch (kind) {
    case 'evtx': {
      const content = counted(fileStream(file, chunkBytes), onBytes);
      try {
        yield* readEvtx(content, file, totalBytes, opts, batcher);
      } finally {
        await content.return(undefined);
      }
      break;
    }
    case 'lines': {
      const workers = readerThreads('lines', totalBytes, opts);
      if (workers > 0) {
        yield* readLinesInParallel(file, opts, workers, batcher, onBytes);
        break;
      }
      yield* readJsonTexts(splitJson(decode(fileStream(file, chunkBytes), onBytes), true), file, batcher);
      break;
    }
    case 'json':
      yield* readJsonTexts(splitJson(decode(fileStream(file, chunkBytes), onBytes), false), file, batcher);
      break;
    case 'gz': {
      const lower = file.toLowerCase();
      try {
        const gz = pipeGz(Readable.from(counted(fileStream(file, chunkBytes), onBytes)));
        try {
          if (lower.endsWith('.evtx.gz'))
            yield* readEvtx(gz, file, totalBytes * EVTX_GZIP_RATIO, opts, batcher);
          else yield* readJsonTexts(splitJson(decode(gz), !lower.endsWith('.json.gz')), file, batcher);
        } finally {
          gz.destroy();
        }
      } catch (err) {
        batcher.reject(`cannot decompress: ${(err as Error).message}`, file, `${file}:0`, undefined);
      }
      break;
    }
    case 'zip': {
      let members;
      try {
        members = listZipMembers(file);
      } catch (err) {
        batcher.reject((err as Error).message, file, `${file}:0`, undefined);
        break;
      }
      for (const m of members) {
        const mk = fileKind(m.name);
        if (mk !== 'lines' && mk !== 'json' && mk !== 'evtx') continue;
        const location = `${file}!${m.name}`;
        try {
          const stream = openZipMember(file, m, onBytes);
          try {
            if (mk === 'evtx') yield* readEvtx(stream, location, m.uncompressedSize, opts, batcher);
            else yield* readJsonTexts(splitJson(decode(stream), mk === 'lines'), location, batcher);
          } finally {
            stream.destroy();
          }
        } catch (err) {
          batcher.reject(
            `cannot read archive member: ${(err as Error).message}`,
            location,
            `${location}:0`,
            undefined,
          );
        }
      }
      break;
    }
    case 'tar.gz': {
      try {
        for await (const m of tarMembers(
          pipeGz(Readable.from(counted(fileStream(file, chunkBytes), onBytes))),
        )) {
          const mk = fileKind(m.name);
          if (mk !== 'lines' && mk !== 'json' && mk !== 'evtx') continue;
          const location = `${file}!${m.name}`;
          // An EVTX member that stops early is drained by tarMembers, which keeps the archive in step.
          if (mk === 'evtx') yield* readEvtx(m.content, location, m.size, opts, batcher);
          else yield* readJsonTexts(splitJson(decode(m.content), mk === 'lines'), location, batcher);
        }
      } catch (err) {
        batcher.reject(`cannot read archive: ${(err as Error).message}`, file, `${file}:0`, undefined);
      }
      break;
    }
    default:
      break;
  }
  // Always end a file with a batch (possibly empty) so callers can count the files read.
  yield batcher.take();
}

/** The largest of `files` that readOneFile would read with reader threads, if any. */
function largestThreadedFile(files: string[], opts: ReadEventFilesOptions): string | undefined {
  let best: string | undefined;
  let bestSize = -1;
  for (const f of files) {
    const size = fs.statSync(f).size;
    const kind = fileKind(f);
    const evtxGz = kind === 'gz' && f.toLowerCase().endsWith('.evtx.gz');
    const threaded =
      kind === 'evtx' || evtxGz
        ? readerThreads('evtx', evtxGz ? size * EVTX_GZIP_RATIO : size, opts) > 0
        : kind === 'lines' && readerThreads('lines', size, opts) > 0;
    if (threaded && size > bestSize) {
      best = f;
      bestSize = size;
    }
  }
  return best;
}

export async function* readEventFiles(
  paths: string | string[],
  opts: ReadEventFilesOptions = {},
): AsyncGenerator<FileBatch> {
  if (opts.order === 'sorted') {
    yield* sortAllByTime(readEventFiles(paths, { ...opts, order: 'files' }), {
      batchSize: Math.max(1, opts.batchSize ?? 1000),
      runEvents: opts.sortRunEvents,
      spillDir: opts.sortSpillDir,
    });
    return;
  }
  const files = listEventFiles(paths);
  if (opts.order !== 'time' || files.length < 2) {
    for (const f of files) yield* readOneFile(f, opts);
    return;
  }
  // Every file holds one batch and one read from disk while it waits its turn, both small here: about 1 MB per
  // waiting file (150 EVTX files of 1.1 MB: 405 MB peak merged, 237 MB one after the other).
  const perFile = { ...opts, batchSize: Math.min(MERGE_FILE_BATCH, opts.batchSize ?? 1000) };
  // All files are open at once, so reader threads go to one file only (the largest that would use them): one pool's
  // threads and memory, not one per file (three 19 MB EVTX files: 339 MB with a thread each, 271 MB with one).
  const threaded = largestThreadedFile(files, opts);
  const single = { ...perFile, readWorkers: 0, evtxWorkers: 0 };
  yield* mergeByTime(
    files.map((f) => readOneFile(f, f === threaded ? perFile : single, MERGE_CHUNK)),
    Math.max(1, opts.batchSize ?? 1000),
  );
}
