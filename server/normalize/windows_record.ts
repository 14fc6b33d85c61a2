/**
 * The common path for every source that carries a Windows event without ECS enrichment (EVTX XML, evtx_dump JSON,
 * NXLog/OTRF, Winlogbeat 6, Wazuh, Winlogbeat collection stage): each format module extracts a `WindowsRecord`,
 * this builds the Event and applies the pipelines' ECS mapping.
 */
import type { Event, EventOrigin, NormalizeResult } from '../../common/event';
import type { EventData } from './event_data';
import { reject } from './rejection';
import { toIsoTimestamp } from './timestamp';
import { asString, parseIntLoose } from './values';
import { applyWindowsMapping, channelKind } from './windows_ecs';

export interface WindowsRecord {
  /** The raw time value and the dotted name of the field it came from (for the rejection). */
  time: unknown;
  timeField: string;
  eventId: unknown;
  eventIdField: string;
  channel?: string;
  provider?: string;
  computer?: string;
  recordId?: unknown;
  /** The record's security UserID (Winlogbeat winlog.user.identifier). */
  userSid?: string;
  /** Audit success/failure from keywords or the source's own outcome. */
  outcome?: 'success' | 'failure';
  /** Task name, used as event.action when the pipeline mapping has none (as Winlogbeat does). */
  task?: string;
  eventData: EventData;
}

const MODULE: Record<string, string | undefined> = {
  security: 'security',
  sysmon: 'sysmon',
  powershell: 'powershell',
  system: undefined,
  other: undefined,
};

/** Keywords bit masks (winmeta.xml): audit success 0x20000000000000, audit failure 0x10000000000000. */
export function outcomeFromKeywords(k: unknown): 'success' | 'failure' | undefined {
  if (typeof k === 'string') {
    if (k.startsWith('0x') && k.length === 18) {
      const nibble = k.charCodeAt(4);
      // Third hex digit after 0x8: '2' success, '1' failure (bits 53/52).
      if (nibble === 50) return 'success';
      if (nibble === 49) return 'failure';
      return undefined;
    }
    if (k === 'Audit Success') return 'success';
    if (k === 'Audit Failure') return 'failure';
    return undefined;
  }
  if (typeof k === 'number') {
    // NXLog writes Keywords as a signed 64-bit decimal; doubles keep bits 52/53 exactly enough for this test.
    const hi = Math.floor((k < 0 ? k + 18446744073709551616 : k) / 4503599627370496) % 4;
    return hi & 2 ? 'success' : hi & 1 ? 'failure' : undefined;
  }
  if (Array.isArray(k)) {
    for (const x of k) {
      const o = outcomeFromKeywords(x);
      if (o !== undefined) return o;
    }
  }
  return undefined;
}

export function buildWindowsEvent(
  rec: WindowsRecord,
  origin: EventOrigin,
  original: unknown,
  keepOriginal: boolean | undefined,
): NormalizeResult {
  const ts = toIsoTimestamp(rec.time);
  if (ts === undefined)
    return reject(
      rec.time === undefined
        ? `missing ${rec.timeField}`
        : `${rec.timeField} is not a valid time: ${String(rec.time)}`,
      '@timestamp',
      origin,
      original,
    );
  const id = parseIntLoose(rec.eventId);
  if (id === undefined || !Number.isInteger(id) || id < 0)
    return reject(
      rec.eventId === undefined
        ? `missing ${rec.eventIdField}`
        : `${rec.eventIdField} is not an event id: ${String(rec.eventId)}`,
      rec.eventIdField,
      origin,
      original,
    );
  const ev: Event = {
    '@timestamp': ts,
    event: { code: String(id), kind: 'event' },
    host: {},
    winlog: { event_id: id, event_data: rec.eventData },
    origin,
  };
  if (rec.provider !== undefined) {
    ev.event.provider = rec.provider;
    ev.winlog.provider_name = rec.provider;
  }
  if (rec.channel !== undefined) ev.winlog.channel = rec.channel;
  if (rec.computer !== undefined) {
    ev.winlog.computer_name = rec.computer;
    ev.host.name = rec.computer;
  }
  const recordId = asString(rec.recordId);
  if (recordId !== undefined) ev.winlog.record_id = recordId;
  if (rec.outcome !== undefined) ev.event.outcome = rec.outcome;
  const module = MODULE[channelKind(rec.channel)];
  if (module !== undefined) ev.event.module = module;
  applyWindowsMapping(ev, rec.eventData, rec.userSid);
  if (ev.event.action === undefined && rec.task !== undefined && rec.task !== '') ev.event.action = rec.task;
  if (keepOriginal) ev.original = original;
  return ev;
}
