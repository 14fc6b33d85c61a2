/**
 * Winlogbeat 7/8 documents in any stage: collection (winlog.* only), after the ingest pipelines (ECS present), and
 * the Elastic Agent equivalents. ECS fields the document carries win; the rest is derived from event_data the way
 * the pipelines do it, and event_data names the pipelines moved away are restored (see restore_event_data.ts).
 */
import type { Event, EventOrigin, NormalizeResult } from '../../common/event';
import { readEcsFields } from './ecs_fields';
import { buildEventData, type EventDataOptions } from './event_data';
import { isObject, reject } from './rejection';
import { restoreEventData } from './restore_event_data';
import { toIsoTimestamp } from './timestamp';
import { asString, parseIntLoose } from './values';
import { applyWindowsMapping, channelKind, completeProcessArgs } from './windows_ecs';
import { outcomeFromKeywords } from './windows_record';

type Obj = Record<string, unknown>;

const MODULE: Record<string, string | undefined> = {
  security: 'security',
  sysmon: 'sysmon',
  powershell: 'powershell',
  system: undefined,
  other: undefined,
};

/** buildEventData options by [sysmon + 2 * reuse], allocated once rather than per event. */
const EVENT_DATA_OPTIONS: readonly EventDataOptions[] = [
  { dropEmpty: false, reuse: false },
  { dropEmpty: true, reuse: false },
  { dropEmpty: false, reuse: true },
  { dropEmpty: true, reuse: true },
];

/** `winlog.logon.failure` as the security pipeline wrote it (texts, not codes). */
function readLogonFailure(f: Obj): NonNullable<NonNullable<Event['winlog']['logon']>['failure']> | undefined {
  const out: NonNullable<NonNullable<Event['winlog']['logon']>['failure']> = {};
  const reason = asString(f.reason);
  if (reason !== undefined) out.reason = reason;
  const status = asString(f.status);
  if (status !== undefined) out.status = status;
  const sub = asString(f.sub_status);
  if (sub !== undefined) out.sub_status = sub;
  return reason === undefined && status === undefined && sub === undefined ? undefined : out;
}

export function normalizeWinlogbeatDoc(
  doc: Obj,
  origin: EventOrigin,
  ecs: boolean,
  keepOriginal: boolean | undefined,
): NormalizeResult {
  const winlog = doc.winlog;
  if (!isObject(winlog)) return reject('missing winlog object', 'winlog', origin, doc);
  const rawTs = doc['@timestamp'];
  const ts = toIsoTimestamp(rawTs);
  if (ts === undefined)
    return reject(
      rawTs === undefined ? 'missing @timestamp' : `@timestamp is not a valid time: ${String(rawTs)}`,
      '@timestamp',
      origin,
      doc,
    );
  const docEvent = isObject(doc.event) ? doc.event : undefined;
  const id = parseIntLoose(winlog.event_id ?? docEvent?.code);
  if (id === undefined || !Number.isInteger(id) || id < 0)
    return reject(
      winlog.event_id === undefined
        ? 'missing winlog.event_id'
        : `winlog.event_id is not an event id: ${String(winlog.event_id)}`,
      'winlog.event_id',
      origin,
      doc,
    );
  const channel = typeof winlog.channel === 'string' ? winlog.channel : undefined;
  const kind = channelKind(channel);
  const ed = buildEventData(
    winlog.event_data,
    EVENT_DATA_OPTIONS[(kind === 'sysmon' ? 1 : 0) + (keepOriginal ? 0 : 2)],
  );
  const ev: Event = {
    '@timestamp': ts,
    event: { code: String(id), kind: 'event' },
    host: {},
    winlog: { event_id: id, event_data: ed },
    origin,
  };
  if (channel !== undefined) ev.winlog.channel = channel;
  const providerName = asString(winlog.provider_name);
  if (providerName !== undefined) ev.winlog.provider_name = providerName;
  const computer = asString(winlog.computer_name);
  if (computer !== undefined) ev.winlog.computer_name = computer;
  const recordId = asString(winlog.record_id);
  if (recordId !== undefined) ev.winlog.record_id = recordId;

  if (ecs) {
    readEcsFields(doc, ev);
    const logon = winlog.logon;
    if (isObject(logon)) {
      const type = asString(logon.type);
      const lid = asString(logon.id);
      const failure = isObject(logon.failure) ? readLogonFailure(logon.failure) : undefined;
      if (type !== undefined || lid !== undefined || failure !== undefined) {
        ev.winlog.logon = { type, id: lid };
        if (failure !== undefined) ev.winlog.logon.failure = failure;
      }
    }
  } else if (docEvent !== undefined) {
    // Collection stage: only the beat's own event fields; event.action is the task name, replaced below when the
    // pipeline mapping has a better one.
    if (
      typeof docEvent.outcome === 'string' &&
      (docEvent.outcome === 'success' || docEvent.outcome === 'failure')
    )
      ev.event.outcome = docEvent.outcome;
    const kindField = asString(docEvent.kind);
    if (kindField !== undefined) ev.event.kind = kindField;
  }
  ev.event.code = String(id);
  if (ev.event.provider === undefined) {
    const provider = providerName ?? asString(docEvent?.provider);
    if (provider !== undefined) ev.event.provider = provider;
  }
  if (ev.event.outcome === undefined) {
    const o = outcomeFromKeywords(winlog.keywords);
    if (o !== undefined) ev.event.outcome = o;
  }
  if (ev.host.name === undefined) {
    const h = isObject(doc.host) ? asString(doc.host.name) : undefined;
    if (h !== undefined) ev.host.name = h;
    else if (computer !== undefined) ev.host.name = computer;
  }
  if (ev.event.module === undefined) {
    const module = MODULE[kind];
    if (module !== undefined) ev.event.module = module;
  }
  const winUser = winlog.user;
  const userSid = isObject(winUser) ? asString(winUser.identifier) : undefined;
  if (ecs) restoreEventData(ev, ed, doc);
  applyWindowsMapping(ev, ed, userSid);
  completeProcessArgs(ev);
  if (ev.event.action === undefined) {
    const action = asString(docEvent?.action) ?? asString(winlog.task);
    if (action !== undefined && action !== '') ev.event.action = action;
  }
  if (keepOriginal) ev.original = doc;
  return ev;
}
