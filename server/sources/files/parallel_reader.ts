/**
 * Parallel reading of one large NDJSON or EVTX file. The main thread reads an NDJSON file in blocks cut at line ends
 * and counts their lines (so every document keeps its `file:line` id), an EVTX file in 64 KiB chunks; worker threads
 * decode, parse and normalize the blocks (parse_worker.ts), and so does the main thread whenever it would otherwise
 * wait for them. Results come back in file order, so events, ids, rejections and batch boundaries are exactly those
 * of the sequential reader. Parsing and normalizing are most of a reader's work; here they run on the other cores
 * while the main thread goes on with detection.
 */
import * as fs from 'fs';
import * as os from 'os';
import { Worker } from 'worker_threads';
import type { NormalizeResult } from '../../../common/event';
import { lineContext, resultOfEvtxRecord } from './line_results';
import type { EvtxPiece } from './evtx_records';
import {
  fromJsonPieces,
  parseRequest,
  type BlockReply,
  type BlockRequest,
  type ChunkRequest,
  type LinesRequest,
  type ParseWorkerData,
} from './parse_worker';

/** Bytes read per block: large enough that the per-block messages cost nothing, small enough to keep RSS flat. */
export const BLOCK_BYTES = 2 << 20;

export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/**
 * Reader threads for `busyCores` cores kept for other work (default 1: the main thread, which parses blocks too
 * while it would otherwise wait), at most three; none when no core is spare.
 */
export function defaultReadWorkers(busyCores = 1): number {
  return Math.max(0, Math.min(3, availableCores() - busyCores));
}

export interface LineBlock {
  bytes: Buffer;
  baseLine: number;
}

function countNewlines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * The file as blocks of whole lines with the number of lines before each. Each block has its own ArrayBuffer, so
 * it can be moved to a worker. A line longer than a block grows the block until the line ends.
 */
export async function* lineBlocks(
  file: string,
  blockBytes = BLOCK_BYTES,
  onBytes?: (n: number) => void,
): AsyncGenerator<LineBlock> {
  const fh = await fs.promises.open(file, 'r');
  let carry = Buffer.alloc(0);
  let baseLine = 0;
  try {
    for (;;) {
      const buf = Buffer.allocUnsafeSlow(carry.length + blockBytes);
      carry.copy(buf, 0);
      const { bytesRead } = await fh.read(buf, carry.length, blockBytes, null);
      if (bytesRead > 0) onBytes?.(bytesRead);
      const end = carry.length + bytesRead;
      if (bytesRead === 0) {
        if (end > 0) yield { bytes: buf.subarray(0, end), baseLine };
        return;
      }
      const lastNewline = end > 0 ? buf.lastIndexOf(10, end - 1) : -1;
      if (lastNewline < 0) {
        carry = buf.subarray(0, end);
        continue;
      }
      // A copy: `buf` goes to a worker with its block.
      carry = Buffer.from(buf.subarray(lastNewline + 1, end));
      const bytes = buf.subarray(0, lastNewline + 1);
      // Counted before the yield: the consumer moves the block's buffer to a worker, which empties it here.
      const lines = countNewlines(bytes);
      yield { bytes, baseLine };
      baseLine += lines;
    }
  } finally {
    await fh.close();
  }
}

/**
 * The worker is inline JavaScript that loads parse_worker (through tsx's loader when this module runs as
 * TypeScript: tsx, jest), so it starts the same from the sources and from the built plugin.
 */
const BOOTSTRAP = `
const { workerData } = require('worker_threads');
if (workerData.tsx) require(workerData.tsx);
require(workerData.entry);
`;

function startWorker(data: ParseWorkerData): Worker {
  const fromSources = __filename.endsWith('.ts');
  return new Worker(BOOTSTRAP, {
    eval: true,
    workerData: {
      ...data,
      entry: require.resolve('./parse_worker'),
      tsx: fromSources ? require.resolve('tsx/cjs') : undefined,
    },
    // The parsers' heap is short-lived garbage: a modest young generation keeps each worker's RSS small. A process-wide
    // --max-semi-space-size overrides this (a 64 MB one made a reader thread cost about 170 MB of RSS, measured with
    // scripts/bench/scan_throughput.ts).
    resourceLimits: { maxYoungGenerationSizeMb: 16 },
  });
}

/** A block handed to a worker (its JSON, when `settled`) or parsed on this thread (`results`). */
interface Pending {
  settled: boolean;
  json?: Promise<string[]>;
  results?: NormalizeResult[];
}

function pending(json: Promise<string[]>): Pending {
  const p: Pending = { settled: false, json };
  // Awaited in order by the reader; this also keeps a rejection that lands earlier from counting as unhandled.
  json.then(
    () => (p.settled = true),
    () => (p.settled = true),
  );
  return p;
}

export interface ParallelReadOptions {
  location: string;
  keepOriginal?: boolean;
  workers: number;
  blockBytes?: number;
  onBytes?: (n: number) => void;
}

/** Work for a reader thread (without its sequence number), or results this thread already has. */
type Work =
  Omit<LinesRequest, 'seq'> | Omit<ChunkRequest, 'seq'> | { kind: 'ready'; results: NormalizeResult[] };

/** The normalized results of every line of `file`, block by block, in file order. */
export function readNdjsonInParallel(
  file: string,
  opts: ParallelReadOptions,
): AsyncGenerator<NormalizeResult[]> {
  async function* work(): AsyncGenerator<Work> {
    let first = true;
    for await (const block of lineBlocks(file, opts.blockBytes ?? BLOCK_BYTES, opts.onBytes)) {
      yield { kind: 'lines', bytes: block.bytes, baseLine: block.baseLine, first };
      first = false;
    }
  }
  return readInParallel(work(), opts);
}

/**
 * The normalized results of every record of an EVTX file (its pieces, from evtxPieces), chunk by chunk, in file
 * order: chunks render and normalize on the reader threads (rendering a record's binary XML and parsing the XML back
 * are nearly all of an EVTX event's cost, so here the threads pay off even on two cores). Throws when the bytes are
 * not EVTX.
 */
export function readEvtxInParallel(
  pieces: AsyncIterable<EvtxPiece>,
  opts: Omit<ParallelReadOptions, 'blockBytes' | 'onBytes'>,
): AsyncGenerator<NormalizeResult[]> {
  const ctx = lineContext(opts.location, opts.keepOriginal);
  async function* work(): AsyncGenerator<Work> {
    for await (const piece of pieces) {
      if ('chunk' in piece) yield { kind: 'evtx-chunk', bytes: piece.chunk.bytes, index: piece.chunk.index };
      else yield { kind: 'ready', results: [resultOfEvtxRecord(piece.error, ctx)] };
    }
  }
  return readInParallel(work(), opts);
}

async function* readInParallel(
  source: AsyncIterator<Work>,
  opts: Omit<ParallelReadOptions, 'blockBytes' | 'onBytes'>,
): AsyncGenerator<NormalizeResult[]> {
  const data: ParseWorkerData = {
    role: 'apt-file-block-parser',
    location: opts.location,
    keepOriginal: opts.keepOriginal,
  };
  const workers = Array.from({ length: Math.max(1, opts.workers) }, () => startWorker(data));
  const waiting = new Map<number, { resolve: (json: string[]) => void; reject: (e: Error) => void }>();
  let failure: Error | undefined;
  const fail = (e: Error): void => {
    failure ??= e;
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  for (const w of workers) {
    w.on('message', (m: BlockReply) => {
      const slot = waiting.get(m.seq);
      if (!slot) return;
      waiting.delete(m.seq);
      if ('error' in m) slot.reject(new Error(`parsing ${opts.location}: ${m.error}`));
      else slot.resolve(m.json);
    });
    w.on('error', (e: Error) => fail(new Error(`a reader thread failed on ${opts.location}: ${e.message}`)));
    w.on('exit', (code) => {
      if (code !== 0)
        fail(new Error(`a reader thread exited with code ${code} while reading ${opts.location}`));
    });
  }

  const send = (req: BlockRequest): Promise<string[]> => {
    if (failure) return Promise.reject(failure);
    return new Promise<string[]>((resolve, reject) => {
      waiting.set(req.seq, { resolve, reject });
      workers[req.seq % workers.length].postMessage(req, [req.bytes.buffer as ArrayBuffer]);
    });
  };

  // Two blocks per worker in flight: one being parsed, one queued, so no worker waits for the main thread.
  const maxInFlight = workers.length * 2;
  const queue: Pending[] = [];
  const ctx = lineContext(opts.location, opts.keepOriginal);
  let seq = 0;
  let exhausted = false;
  const nextRequest = async (): Promise<BlockRequest | NormalizeResult[] | undefined> => {
    if (exhausted) return undefined;
    const r = await source.next();
    if (r.done) {
      exhausted = true;
      return undefined;
    }
    return r.value.kind === 'ready' ? r.value.results : ({ ...r.value, seq: seq++ } as BlockRequest);
  };
  try {
    for (;;) {
      // Blocks parsed here do not count: the workers stay fed while the main thread works through its own.
      while (!exhausted && queue.reduce((n, e) => n + (e.json ? 1 : 0), 0) < maxInFlight) {
        const next = await nextRequest();
        if (Array.isArray(next)) queue.push({ settled: true, results: next });
        else if (next) queue.push(pending(send(next)));
      }
      const oldest = queue[0];
      if (!oldest) return;
      // The main thread would only wait here (the caller is quicker than the workers, as a plain read is): it parses
      // the next block itself meanwhile. A busy caller (a scan) finds results ready and never comes here.
      if (!oldest.settled && queue.length < maxInFlight + 3) {
        const next = await nextRequest();
        if (next) {
          queue.push({ settled: true, results: Array.isArray(next) ? next : parseRequest(next, ctx) });
          continue;
        }
      }
      queue.shift();
      yield oldest.results ?? fromJsonPieces(await (oldest.json as Promise<string[]>));
    }
  } finally {
    await source.return?.(undefined);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
