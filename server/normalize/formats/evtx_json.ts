/** evtx_dump JSON: {"Event":{"#attributes":…,"System":{…},"EventData":{…}}} (sigma-regression's shape). */
import type { EventOrigin, NormalizeResult } from '../../../common/event';
import { isObject, reject } from '../rejection';
import { normalizeEvtxObject } from './evtx_common';

export function normalizeEvtxJson(
  raw: unknown,
  origin: EventOrigin,
  keepOriginal?: boolean,
): NormalizeResult {
  if (!isObject(raw)) return reject('document is not a JSON object', '', origin, raw);
  return normalizeEvtxObject(raw.Event, origin, raw, keepOriginal, 'Event');
}
