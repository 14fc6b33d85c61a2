import type { EventOrigin, Rejection } from '../../common/event';

export function reject(reason: string, field: string, origin: EventOrigin, original: unknown): Rejection {
  return { rejected: true, reason, field, origin, original };
}

/** A plain object (not null, not an array), for shape checks on untrusted input. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
