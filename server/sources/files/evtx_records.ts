/**
 * EVTX records rendered to XML with @ts-evtx/core's low-level API (file header -> chunks -> records -> renderXml):
 * its high-level event API mis-parses EventData on these files. The package is ESM-only; Node >= 20.19 can
 * `require` it, and going through `createRequire` keeps that working under jest's CommonJS module registry too.
 *
 * The file is read one 64 KiB chunk at a time rather than whole (the library's own `EvtxFile.openSync` reads the
 * whole file and refuses files over 100 MB, while a domain controller's exported Security log is often larger): a
 * chunk carries its own string and template tables, so each renders on its own, and memory stays flat.
 * Two ways a file can hold other chunks than its header says are reported or read instead of passing silently:
 * - truncated (copied while being written, a partial download): the header lists chunks the file does not hold;
 *   one error item names how many are missing, after the records that could be read;
 * - dirty (not closed cleanly, the header lags): whole chunks after the header's count that carry the chunk
 *   signature are read too, as other EVTX readers do; unused space after the last chunk (no signature) is skipped.
 */
import * as fs from 'fs';
import * as nodeModule from 'module';
import type { BinaryReader, ChunkHeader, FileHeader } from '@ts-evtx/core';

interface EvtxModule {
  BinaryReader: typeof BinaryReader;
  ChunkHeader: typeof ChunkHeader;
  FileHeader: typeof FileHeader;
}

let mod: EvtxModule | undefined;

/**
 * Node's own `require` (which loads ESM packages). Jest replaces the `module` builtin's createRequire with its
 * CommonJS-only loader, so prefer `process.getBuiltinModule` (Node >= 20.16), which test runners leave alone.
 */
function nativeRequire(): NodeJS.Require {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const m = typeof getBuiltin === 'function' ? (getBuiltin('module') as typeof nodeModule) : nodeModule;
  return m.createRequire(__filename);
}

function evtxModule(): EvtxModule {
  if (!mod) mod = nativeRequire()('@ts-evtx/core') as EvtxModule;
  return mod;
}

export interface EvtxRecordXml {
  recordNumber: string;
  xml?: string;
  error?: string;
}

/** Size of an EVTX chunk; the file header's own size is in the header (always 4 KiB in practice). */
export const EVTX_CHUNK_BYTES = 0x10000;
const FILE_HEADER_BYTES = 0x1000;
const CHUNK_SIGNATURE = 'ElfChnk\0';

type Records = Generator<{ recordNum(): bigint; renderXml(): string }>;

function readAt(fd: number, bytes: number, position: number): Buffer {
  const buf = Buffer.alloc(bytes);
  let done = 0;
  while (done < bytes) {
    const n = fs.readSync(fd, buf, done, bytes - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done === bytes ? buf : buf.subarray(0, done);
}

/** One chunk's bytes (its own buffer, so it can be moved to a worker thread) and its 0-based index in the file. */
export interface EvtxChunk {
  index: number;
  bytes: Uint8Array;
}

/** A file read as chunks to render, and error items for what cannot be read (in file order). */
export type EvtxPiece = { chunk: EvtxChunk } | { error: EvtxRecordXml };

/** The records of one chunk; a chunk or record that cannot be read becomes one error item, the rest go on. */
export function* chunkRecords({ index, bytes }: EvtxChunk): Generator<EvtxRecordXml> {
  const { BinaryReader, ChunkHeader } = evtxModule();
  const chunk = new ChunkHeader(new BinaryReader(bytes), 0);
  let records: Records;
  try {
    records = chunk.records();
  } catch (err) {
    yield { recordNumber: `chunk${index}`, error: `unreadable chunk ${index}: ${(err as Error).message}` };
    return;
  }
  for (;;) {
    let next: IteratorResult<{ recordNum(): bigint; renderXml(): string }>;
    try {
      next = records.next();
    } catch (err) {
      yield {
        recordNumber: `chunk${index}`,
        error: `unreadable record in chunk ${index}: ${(err as Error).message}`,
      };
      return;
    }
    if (next.done) return;
    const r = next.value;
    let num = '?';
    try {
      num = r.recordNum().toString();
      yield { recordNumber: num, xml: r.renderXml() };
    } catch (err) {
      yield { recordNumber: num, error: `record ${num} could not be rendered: ${(err as Error).message}` };
    }
  }
}

/**
 * The file's chunks in order, read one at a time, with an error item for a chunk the header counts that has no
 * chunk signature and one for chunks a truncated file lacks. `onChunk` follows the chunks handed out. Throws only
 * when the file header is not an EVTX header (a foreign file).
 */
export function* evtxPieces(
  file: string,
  onChunk?: (chunkIndex: number, chunkCount: number) => void,
): Generator<EvtxPiece> {
  const { BinaryReader, FileHeader } = evtxModule();
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const header = new FileHeader(new BinaryReader(readAt(fd, FILE_HEADER_BYTES, 0)), 0);
    if (size < FILE_HEADER_BYTES || !header.verify())
      throw new Error('Invalid EVTX file: header verification failed');
    const first = header.headerChunkSize();
    const declared = header.chunkCount();
    const whole = Math.max(0, Math.floor((size - first) / EVTX_CHUNK_BYTES));
    const count = Math.max(declared, whole);
    for (let index = 0; index < whole; index++) {
      const bytes = readAt(fd, EVTX_CHUNK_BYTES, first + index * EVTX_CHUNK_BYTES);
      onChunk?.(index + 1, count);
      if (bytes.toString('latin1', 0, CHUNK_SIGNATURE.length) === CHUNK_SIGNATURE)
        yield { chunk: { index, bytes } };
      else if (index < declared)
        yield {
          error: {
            recordNumber: `chunk${index}`,
            error: `unreadable chunk ${index}: no chunk signature (ElfChnk)`,
          },
        };
    }
    if (declared > whole) {
      const partial = (size - first) % EVTX_CHUNK_BYTES;
      yield {
        error: {
          recordNumber: `chunk${whole}`,
          error:
            `truncated EVTX file: its header lists ${declared} chunks, the file (${size} bytes) holds ${whole} whole ` +
            `chunk${whole === 1 ? '' : 's'}${partial > 0 ? ` and ${partial} bytes of the next` : ''}; the records ` +
            `of the ${declared - whole} missing chunk${declared - whole === 1 ? '' : 's'} were not read`,
        },
      };
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * One item per record; a record that fails to render carries `error` instead of `xml`. Chunks are the unit of
 * progress. Throws only when the file header is not an EVTX header (a foreign file).
 */
export function* evtxRecords(
  file: string,
  onChunk?: (chunkIndex: number, chunkCount: number) => void,
): Generator<EvtxRecordXml> {
  for (const piece of evtxPieces(file, onChunk)) {
    if ('chunk' in piece) yield* chunkRecords(piece.chunk);
    else yield piece.error;
  }
}
