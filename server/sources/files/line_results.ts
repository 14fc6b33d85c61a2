/**
 * One NDJSON line, or one EVTX record, to its normalized result: the step both the sequential reader (index.ts) and
 * the parallel block parsers (parse_worker.ts) run, so both give the same events, ids and rejection reasons.
 */
import type { NormalizeResult, Rejection } from '../../../common/event';
import { normalizeDocument } from '../../normalize';
import { normalizeEvtxObject } from '../../normalize/formats/evtx_common';
import { chunkRecords, type EvtxChunk, type EvtxRecordItem } from './evtx_records';

export interface LineContext {
  /** The file (or archive member) the lines come from. */
  location: string;
  /** `${location}:`, built once per file so an id is one concatenation with the line number. */
  prefix: string;
  /** normalizeDocument options, one object per file rather than one per document. */
  normalizeOpts: { keepOriginal?: boolean };
}

export function lineContext(location: string, keepOriginal?: boolean): LineContext {
  return { location, prefix: `${location}:`, normalizeOpts: { keepOriginal } };
}

/** A rejection of something read from a file that is not a document yet (no JSON, no EVTX record, no file). */
export function fileRejection(reason: string, location: string, id: string, original: unknown): Rejection {
  return {
    rejected: true,
    reason,
    field: '',
    origin: { kind: 'file', format: 'ecs', location, id },
    original,
  };
}

/** The result of the 1-based line `line`; undefined for blank lines (they are not documents). */
export function resultOfLine(text: string, line: number, ctx: LineContext): NormalizeResult | undefined {
  if (text.length === 0) return undefined;
  const id = ctx.prefix + line;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    if (text.trim() === '') return undefined;
    return fileRejection(`line ${line} is not JSON: ${(err as Error).message}`, ctx.location, id, text);
  }
  return normalizeDocument(doc, { kind: 'file', location: ctx.location, id }, ctx.normalizeOpts);
}

/**
 * An EVTX record (its `Event` object, its XML, or why it could not be read) to its result; its id is
 * `${location}#${record number}`. The original kept with an object is its XML when the record came with it.
 */
export function resultOfEvtxRecord(r: EvtxRecordItem, ctx: LineContext): NormalizeResult {
  const id = `${ctx.location}#${r.recordNumber}`;
  if (r.event !== undefined)
    return normalizeEvtxObject(
      r.event,
      { kind: 'file', location: ctx.location, id, format: 'evtx' },
      r.xml ?? r.event,
      ctx.normalizeOpts.keepOriginal,
      'Event',
    );
  if (r.xml !== undefined)
    return normalizeDocument(
      r.xml,
      { kind: 'file', location: ctx.location, id, format: 'evtx' },
      ctx.normalizeOpts,
    );
  return fileRejection(r.error ?? 'unreadable record', ctx.location, id, undefined);
}

/** The results of every record of one EVTX chunk, in order. */
export function evtxChunkResults(chunk: EvtxChunk, ctx: LineContext): NormalizeResult[] {
  const out: NormalizeResult[] = [];
  for (const r of chunkRecords(chunk, ctx.normalizeOpts.keepOriginal)) out.push(resultOfEvtxRecord(r, ctx));
  return out;
}
