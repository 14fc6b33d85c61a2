/**
 * Documents already in ECS from another agent (Elastic Defend, Sysmon for Linux via Filebeat, custom shippers):
 * ECS fields are read as they are; a winlog block, when present, is mapped like Winlogbeat's.
 */
import type { Event, EventOrigin, NormalizeResult } from '../../../common/event';
import { readEcsFields } from '../ecs_fields';
import { buildEventData } from '../event_data';
import { isObject, reject } from '../rejection';
import { toIsoTimestamp } from '../timestamp';
import { asString, parseIntLoose } from '../values';
import { applyWindowsMapping, completeProcessArgs } from '../windows_ecs';

export function normalizeEcs(raw: unknown, origin: EventOrigin, keepOriginal?: boolean): NormalizeResult {
  if (!isObject(raw)) return reject('document is not a JSON object', '', origin, raw);
  const t = raw['@timestamp'];
  const ts = toIsoTimestamp(t);
  if (ts === undefined)
    return reject(
      t === undefined ? 'missing @timestamp' : `@timestamp is not a valid time: ${String(t)}`,
      '@timestamp',
      origin,
      raw,
    );
  const ev: Event = { '@timestamp': ts, event: {}, host: {}, winlog: {}, origin };
  readEcsFields(raw, ev);
  const winlog = isObject(raw.winlog) ? raw.winlog : undefined;
  if (winlog !== undefined) {
    const id = parseIntLoose(winlog.event_id ?? ev.event.code);
    if (id !== undefined) ev.winlog.event_id = id;
    const channel = asString(winlog.channel);
    if (channel !== undefined) ev.winlog.channel = channel;
    const ed = buildEventData(winlog.event_data);
    ev.winlog.event_data = ed;
    applyWindowsMapping(ev, ed, isObject(winlog.user) ? asString(winlog.user.identifier) : undefined);
  } else if (ev.event.code !== undefined) {
    const id = parseIntLoose(ev.event.code);
    if (id !== undefined) ev.winlog.event_id = id;
  }
  if (ev.event.code === undefined && ev.winlog.event_id !== undefined)
    ev.event.code = String(ev.winlog.event_id);
  completeProcessArgs(ev);
  if (keepOriginal) ev.original = raw;
  return ev;
}
