/**
 * EVTX records read with @ts-evtx/core's low-level API (file header -> chunks -> records), each rendered straight
 * into an object (evtx_objects.ts) or, when asked for or when that walk cannot render it, to XML (renderXml): the
 * library's high-level event API mis-parses EventData on these files. The package is ESM-only; Node >= 20.19 can
 * `require` it, and going through `createRequire` keeps that working under jest's CommonJS module registry too.
 *
 * The bytes are read as a stream, one 64 KiB chunk at a time, rather than whole (the library's own
 * `EvtxFile.openSync` reads the whole file and refuses files over 100 MB, while a domain controller's exported
 * Security log is often larger; and a stream is what a .zip or .tar.gz member is): a chunk carries its own string and
 * template tables, so each renders on its own, on any thread, and memory stays flat.
 * Two ways a file can hold other chunks than its header says are reported or read instead of passing silently:
 * - truncated (copied while being written, a partial download): the header lists chunks the file does not hold;
 *   one error item names how many are missing, after the records that could be read;
 * - dirty (not closed cleanly, the header lags): whole chunks after the header's count that carry the chunk
 *   signature are read too, as other EVTX readers do; unused space after the last chunk (no signature) is skipped.
 */
import * as nodeModule from 'module';
import type { BinaryReader, ChunkHeader, FileHeader } from '@ts-evtx/core';
import {
  renderEvtxObject,
  type EmbeddedXmlParser,
  type EvtxElement,
  type RenderableRecord,
} from './evtx_objects';

interface EvtxModule {
  BinaryReader: typeof BinaryReader;
  ChunkHeader: typeof ChunkHeader;
  FileHeader: typeof FileHeader;
  /** Not exported by the package index; the package has no exports map, so its dist path can be required. */
  BXmlParser: EmbeddedXmlParser;
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
  if (!mod) {
    const req = nativeRequire();
    const { BXmlParser } = req('@ts-evtx/core/dist/src/evtx/BXmlParser.js') as {
      BXmlParser: EmbeddedXmlParser;
    };
    mod = { ...(req('@ts-evtx/core') as Omit<EvtxModule, 'BXmlParser'>), BXmlParser };
  }
  return mod;
}

/** One record read from a chunk: its `Event` element, its XML, or why it could not be read. */
export interface EvtxRecordItem {
  recordNumber: string;
  /** The record's `Event` element as an object (evtx_objects.ts). */
  event?: EvtxElement;
  /** The record as XML: when asked for, or when the object walk cannot render the record (then `event` is unset). */
  xml?: string;
  error?: string;
}

/** Size of an EVTX chunk, and of the file header (EVTX 3.x; the header check insists on it). */
export const EVTX_CHUNK_BYTES = 0x10000;
const FILE_HEADER_BYTES = 0x1000;
const CHUNK_SIGNATURE = 'ElfChnk\0';

/** What the library's records iterator yields, as far as it is used here. */
type EvtxRecord = RenderableRecord & { recordNum(): bigint; renderXml(): string };

/** Fixed-size reads from a byte stream; each read is a buffer of its own, so it can be moved to a worker thread. */
class ByteReader {
  private readonly pending: Buffer[] = [];
  private have = 0;
  private done = false;

  constructor(private readonly it: AsyncIterator<Buffer>) {}

  /** The next `n` bytes, fewer at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    while (this.have < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        this.pending.push(r.value);
        this.have += r.value.length;
      }
    }
    const take = Math.min(n, this.have);
    const out = Buffer.allocUnsafeSlow(take);
    for (let off = 0; off < take;) {
      const b = this.pending[0];
      const k = Math.min(b.length, take - off);
      b.copy(out, off, 0, k);
      off += k;
      if (k === b.length) this.pending.shift();
      else this.pending[0] = b.subarray(k);
    }
    this.have -= take;
    return out;
  }
}

/** One chunk's bytes (its own buffer, so it can be moved to a worker thread) and its 0-based index in the file. */
export interface EvtxChunk {
  index: number;
  bytes: Uint8Array;
}

/** A file read as chunks to render, and error items for what cannot be read (in file order). */
export type EvtxPiece = { chunk: EvtxChunk } | { error: EvtxRecordItem };

/**
 * The records of one chunk; a chunk or record that cannot be read becomes one error item, the rest go on. With
 * `withXml` each record's XML comes too (for `event.original`).
 */
export function* chunkRecords({ index, bytes }: EvtxChunk, withXml = false): Generator<EvtxRecordItem> {
  const { BinaryReader, ChunkHeader, BXmlParser } = evtxModule();
  const chunk = new ChunkHeader(new BinaryReader(bytes), 0);
  let records: Generator<EvtxRecord>;
  try {
    // Record.root() is declared as the BXmlNode base class; it returns the RootNode (Record.js) that renders.
    records = chunk.records() as unknown as Generator<EvtxRecord>;
  } catch (err) {
    yield { recordNumber: `chunk${index}`, error: `unreadable chunk ${index}: ${(err as Error).message}` };
    return;
  }
  for (;;) {
    let next: IteratorResult<EvtxRecord>;
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
      const rendered = renderEvtxObject(r, BXmlParser);
      if (rendered?.name === 'Event')
        yield { recordNumber: num, event: rendered.value, xml: withXml ? r.renderXml() : undefined };
      else yield { recordNumber: num, xml: r.renderXml() };
    } catch (err) {
      yield { recordNumber: num, error: `record ${num} could not be rendered: ${(err as Error).message}` };
    }
  }
}

/**
 * An EVTX file's chunks in order, from its bytes, with an error item for a chunk the header counts that has no chunk
 * signature and one for the chunks a truncated file lacks. Throws only when the bytes do not start with an EVTX file
 * header (a foreign file). The stream is left to its owner: a .tar.gz member must be drained, not closed, when
 * this stops early.
 */
export async function* evtxPieces(bytes: AsyncIterable<Buffer>): AsyncGenerator<EvtxPiece> {
  const { BinaryReader, FileHeader } = evtxModule();
  const reader = new ByteReader(bytes[Symbol.asyncIterator]());
  const head = await reader.read(FILE_HEADER_BYTES);
  const header = head.length === FILE_HEADER_BYTES ? new FileHeader(new BinaryReader(head), 0) : undefined;
  if (!header?.verify()) throw new Error('Invalid EVTX file: header verification failed');
  const declared = header.chunkCount();
  let whole = 0;
  let partial = 0;
  for (;;) {
    const chunk = await reader.read(EVTX_CHUNK_BYTES);
    if (chunk.length < EVTX_CHUNK_BYTES) {
      partial = chunk.length;
      break;
    }
    const index = whole++;
    if (chunk.toString('latin1', 0, CHUNK_SIGNATURE.length) === CHUNK_SIGNATURE)
      yield { chunk: { index, bytes: chunk } };
    else if (index < declared)
      yield {
        error: {
          recordNumber: `chunk${index}`,
          error: `unreadable chunk ${index}: no chunk signature (ElfChnk)`,
        },
      };
  }
  if (declared > whole) {
    const size = FILE_HEADER_BYTES + whole * EVTX_CHUNK_BYTES + partial;
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
}
