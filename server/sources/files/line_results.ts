/**
 * One NDJSON line to its normalized result: the step both the sequential reader (index.ts) and the parallel block
 * parsers (parse_worker.ts) run, so both give the same events, ids and rejection reasons.
 */
import type { NormalizeResult } from '../../../common/event';
import { normalizeDocument } from '../../normalize';

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

/** The result of the 1-based line `line`; undefined for blank lines (they are not documents). */
export function resultOfLine(text: string, line: number, ctx: LineContext): NormalizeResult | undefined {
  if (text.length === 0) return undefined;
  const id = ctx.prefix + line;
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    if (text.trim() === '') return undefined;
    return {
      rejected: true,
      reason: `line ${line} is not JSON: ${(err as Error).message}`,
      field: '',
      origin: { kind: 'file', format: 'ecs', location: ctx.location, id },
      original: text,
    };
  }
  return normalizeDocument(doc, { kind: 'file', location: ctx.location, id }, ctx.normalizeOpts);
}
