/**
 * The worker side of the parallel file reader (parallel_reader.ts): a block of whole NDJSON lines, or one EVTX
 * chunk, in; its normalized results out as JSON texts. JSON rather than structured clone because the main thread
 * pays for the transfer: parsing the results' JSON there costs about half of what deserializing the same objects
 * costs.
 * `parseBlock` is pure and runs in any thread; loading this module in a worker started by parallel_reader.ts also
 * answers that worker's messages.
 */
import { isAscii } from 'buffer';
import { isMainThread, parentPort, workerData } from 'worker_threads';
import type { NormalizeResult } from '../../../common/event';
import { evtxChunkResults, lineContext, resultOfLine, type LineContext } from './line_results';

/** One EVTX chunk (64 KiB, its own string and template tables) and its index in the file. */
export interface ChunkRequest {
  kind: 'evtx-chunk';
  seq: number;
  bytes: Uint8Array;
  index: number;
}

export interface LinesRequest {
  kind: 'lines';
  seq: number;
  /** The block's bytes: whole lines (the last block of a file may end without a newline). */
  bytes: Uint8Array;
  /** Lines before this block, so its first line is `baseLine + 1`. */
  baseLine: number;
  /** The file's first block (a UTF-8 byte-order mark is dropped). */
  first: boolean;
}

export type BlockRequest = LinesRequest | ChunkRequest;

/** `json`: the block's results as JSON arrays of at most PIECE_RESULTS each (see `toJsonPieces`). */
export type BlockReply = { seq: number; json: string[] } | { seq: number; error: string };

/**
 * Results per JSON piece. One text per block (about 1.5 MB) would be a large object in the receiving heap, which
 * only a full collection frees; pieces of ~64 events (~100 KB) die young like any other garbage, keeping RSS flat.
 */
export const PIECE_RESULTS = 64;

export function toJsonPieces(results: NormalizeResult[]): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < results.length; i += PIECE_RESULTS)
    pieces.push(JSON.stringify(results.slice(i, i + PIECE_RESULTS)));
  return pieces;
}

export function fromJsonPieces(pieces: string[]): NormalizeResult[] {
  const out: NormalizeResult[] = [];
  for (const p of pieces) for (const r of JSON.parse(p) as NormalizeResult[]) out.push(r);
  return out;
}

export interface ParseWorkerData {
  role: 'apt-file-block-parser';
  location: string;
  keepOriginal?: boolean;
}

/** Splits like splitLines (json_stream.ts): `\n` ends a line, a `\r` before it is dropped, a last unterminated line counts. */
export function parseBlock(
  bytes: Uint8Array,
  baseLine: number,
  first: boolean,
  ctx: LineContext,
): NormalizeResult[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Blocks end at a newline, so no character is cut; pure ASCII decodes as latin1 at about twice the speed.
  let text = isAscii(buf) ? buf.toString('latin1') : buf.toString('utf8');
  if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out: NormalizeResult[] = [];
  let line = baseLine;
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    if (nl < 0 && start >= text.length) break;
    line++;
    const cut = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    const r = resultOfLine(text.slice(start, cut), line, ctx);
    if (r !== undefined) out.push(r);
    if (nl < 0) break;
    start = nl + 1;
  }
  return out;
}

/** The results of a request, on whichever thread runs it. */
export function parseRequest(m: BlockRequest, ctx: LineContext): NormalizeResult[] {
  return m.kind === 'evtx-chunk'
    ? evtxChunkResults({ index: m.index, bytes: m.bytes }, ctx)
    : parseBlock(m.bytes, m.baseLine, m.first, ctx);
}

function serve(data: ParseWorkerData): void {
  const ctx = lineContext(data.location, data.keepOriginal);
  parentPort?.on('message', (m: BlockRequest) => {
    let reply: BlockReply;
    try {
      reply = { seq: m.seq, json: toJsonPieces(parseRequest(m, ctx)) };
    } catch (e) {
      reply = { seq: m.seq, error: e instanceof Error ? e.message : String(e) };
    }
    parentPort?.postMessage(reply);
  });
}

if (!isMainThread && (workerData as ParseWorkerData | undefined)?.role === 'apt-file-block-parser') {
  serve(workerData as ParseWorkerData);
}
