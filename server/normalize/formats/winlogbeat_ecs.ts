/** Winlogbeat 7/8 after the Elasticsearch ingest pipelines (ECS fields present). */
import type { EventOrigin, NormalizeResult } from '../../../common/event';
import { isObject, reject } from '../rejection';
import { normalizeWinlogbeatDoc } from '../winlogbeat_doc';

export function normalizeWinlogbeatEcs(
  raw: unknown,
  origin: EventOrigin,
  keepOriginal?: boolean,
): NormalizeResult {
  if (!isObject(raw)) return reject('document is not a JSON object', '', origin, raw);
  return normalizeWinlogbeatDoc(raw, origin, true, keepOriginal);
}
