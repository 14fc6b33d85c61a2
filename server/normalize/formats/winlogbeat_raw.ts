/** Winlogbeat collection stage (Kafka/Logstash output, no ingest pipeline): winlog.* only; ECS mapping is ours. */
import type { EventOrigin, NormalizeResult } from '../../../common/event';
import { isObject, reject } from '../rejection';
import { looksEnriched } from '../detect_format';
import { normalizeWinlogbeatDoc } from '../winlogbeat_doc';

export function normalizeWinlogbeatRaw(
  raw: unknown,
  origin: EventOrigin,
  keepOriginal?: boolean,
): NormalizeResult {
  if (!isObject(raw)) return reject('document is not a JSON object', '', origin, raw);
  // A document that did go through a pipeline after all keeps its ECS fields rather than losing them.
  return normalizeWinlogbeatDoc(raw, origin, looksEnriched(raw), keepOriginal);
}
