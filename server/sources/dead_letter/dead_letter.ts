/**
 * Dead letters: documents a source read but could not normalize. They are kept (reason, offending field, where the
 * document came from, the document itself) so an analyst can find and replay them, and counted per source for the
 * status API. Every sink writes a rejection under an id derived from its origin, so a batch retried after a crash
 * overwrites its dead letters instead of duplicating them.
 */
import { createHash } from 'crypto';
import type { EventOrigin, Rejection } from '../../../common/event';

export interface DeadLetter {
  reason: string;
  field: string;
  origin: EventOrigin;
  original: unknown;
  /** When the dead letter was written (ISO-8601). */
  at: string;
}

export interface DeadLetterSink {
  /** Resolves once every rejection is durably stored; throws otherwise (the caller must not acknowledge the batch). */
  write(rejections: Rejection[]): Promise<void>;
  /** Dead letters written so far, per source name. */
  counts(): Record<string, number>;
}

/**
 * Deterministic id of a rejection: the same document from the same place always maps to the same id. The format is
 * left out on purpose: a retry after a normalizer upgrade may detect another format for the same document.
 */
export function deadLetterId(origin: Pick<EventOrigin, 'kind' | 'location' | 'id'>): string {
  return createHash('sha256')
    .update(origin.kind)
    .update('\u0000')
    .update(origin.location)
    .update('\u0000')
    .update(origin.id)
    .digest('hex')
    .slice(0, 40);
}

export function toDeadLetter(r: Rejection, at: Date = new Date()): DeadLetter {
  return { reason: r.reason, field: r.field, origin: r.origin, original: r.original, at: at.toISOString() };
}

/**
 * JSON text of an original document, always valid JSON and never throwing: `undefined` becomes `null`, and a value
 * JSON cannot represent (cycles, BigInt) is kept as its String() form, so the dead letter is still written.
 */
export function originalAsJson(original: unknown): string {
  try {
    return JSON.stringify(original) ?? 'null';
  } catch {
    return JSON.stringify(String(original));
  }
}

/** Per-source counter shared by the sinks. */
export class DeadLetterCounter {
  private readonly bySource = new Map<string, number>();

  add(source: string, n: number): void {
    if (n > 0) this.bySource.set(source, (this.bySource.get(source) ?? 0) + n);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.bySource);
  }
}
