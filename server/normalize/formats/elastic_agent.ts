/**
 * Elastic Agent Windows integrations (logs-system.security-*, logs-windows.sysmon_operational-*,
 * logs-windows.forwarded-*): the Winlogbeat ECS shape plus data_stream.* and event.dataset.
 */
import type { EventOrigin, NormalizeResult } from '../../../common/event';
import { isObject, reject } from '../rejection';
import { normalizeWinlogbeatDoc } from '../winlogbeat_doc';

export function normalizeElasticAgent(
  raw: unknown,
  origin: EventOrigin,
  keepOriginal?: boolean,
): NormalizeResult {
  if (!isObject(raw)) return reject('document is not a JSON object', '', origin, raw);
  const r = normalizeWinlogbeatDoc(raw, origin, true, keepOriginal);
  if ('rejected' in r) return r;
  if (
    r.event.dataset === undefined &&
    isObject(raw.data_stream) &&
    typeof raw.data_stream.dataset === 'string'
  )
    r.event.dataset = raw.data_stream.dataset;
  return r;
}
