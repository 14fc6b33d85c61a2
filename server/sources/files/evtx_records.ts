/**
 * EVTX records rendered to XML with @ts-evtx/core's low-level API (EvtxFile -> chunks -> records -> renderXml):
 * its high-level event API mis-parses EventData on these files. The package is ESM-only; Node >= 20.19 can
 * `require` it, and going through `createRequire` keeps that working under jest's CommonJS module registry too.
 * EVTX files are small (at most a few hundred MB, usually 1-20 MB), so the file is read whole as the library does.
 */
import * as nodeModule from 'module';
import type { EvtxFile as EvtxFileType } from '@ts-evtx/core';

interface EvtxModule {
  EvtxFile: typeof EvtxFileType;
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

/** One item per record; a record that fails to render carries `error` instead of `xml`. Chunks are the unit of progress. */
export function* evtxRecords(
  file: string,
  onChunk?: (chunkIndex: number, chunkCount: number) => void,
): Generator<EvtxRecordXml> {
  const { EvtxFile } = evtxModule();
  const f = EvtxFile.openSync(file);
  let index = 0;
  const count = f.header.chunkCount();
  for (const chunk of f.chunks()) {
    let records: Generator<{ recordNum(): bigint; renderXml(): string }>;
    try {
      records = chunk.records();
    } catch (err) {
      yield { recordNumber: `chunk${index}`, error: `unreadable chunk ${index}: ${(err as Error).message}` };
      index++;
      continue;
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
        break;
      }
      if (next.done) break;
      const r = next.value;
      let num = '?';
      try {
        num = r.recordNum().toString();
        yield { recordNumber: num, xml: r.renderXml() };
      } catch (err) {
        yield { recordNumber: num, error: `record ${num} could not be rendered: ${(err as Error).message}` };
      }
    }
    index++;
    onChunk?.(index, count);
  }
}
