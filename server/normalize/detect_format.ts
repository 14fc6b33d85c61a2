/**
 * Which input format a document is, from its shape alone (for callers that do not know: the ingest API, files).
 * Checks go from the most specific marker to the least; each is a property lookup, no key scans.
 */
import type { InputFormat } from '../../common/event';
import { isObject } from './rejection';

/** Winlogbeat document that went through an ingest pipeline (or an Agent integration pipeline). */
export function looksEnriched(doc: Record<string, unknown>): boolean {
  const e = doc.event;
  if (isObject(e) && (e.category !== undefined || e.module !== undefined || e.dataset !== undefined))
    return true;
  return isObject(doc.ecs) && isObject(doc.process);
}

export function detectFormat(raw: unknown): InputFormat | undefined {
  if (typeof raw === 'string') {
    const i = raw.indexOf('<');
    return i >= 0 && raw.slice(i, i + 6) === '<Event' ? 'evtx' : raw.startsWith('<?xml') ? 'evtx' : undefined;
  }
  if (!isObject(raw)) return undefined;
  if (isObject(raw.winlog)) {
    if (isObject(raw.data_stream) || isObject(raw.elastic_agent)) return 'elastic_agent';
    return looksEnriched(raw) ? 'winlogbeat_ecs' : 'winlogbeat_raw';
  }
  if (isObject(raw.Event)) return 'evtx_json';
  const data = raw.data;
  if (isObject(data) && isObject(data.win)) return 'wazuh_alert';
  if (isObject(raw.rule) && (isObject(raw.agent) || isObject(raw.decoder) || isObject(raw.manager)))
    return 'wazuh_alert';
  if (raw.event_data !== undefined && (raw.event_id !== undefined || raw.log_name !== undefined))
    return 'winlogbeat6';
  if (
    raw.EventID !== undefined &&
    (raw.Channel !== undefined || raw.SourceName !== undefined || raw.Hostname !== undefined)
  )
    return 'nxlog_flat';
  // Filebeat -> Kafka envelope around a Wazuh alert (alert JSON in `message`).
  if (
    typeof raw.message === 'string' &&
    raw.message.startsWith('{"timestamp"') &&
    raw.message.indexOf('"rule"') > 0
  )
    return 'wazuh_alert';
  if (raw['@timestamp'] !== undefined && (isObject(raw.event) || isObject(raw.process) || isObject(raw.host)))
    return 'ecs';
  return undefined;
}
