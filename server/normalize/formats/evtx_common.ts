/**
 * EVTX records as objects: the XML rendering parsed by fast-xml-parser (attributes inline) and evtx_dump's JSON
 * (attributes under "#attributes") share one walker. Both become a WindowsRecord.
 */
import type { EventOrigin, NormalizeResult } from '../../../common/event';
import type { EventData } from '../event_data';
import { isObject, reject } from '../rejection';
import { asString } from '../values';
import { channelKind } from '../windows_ecs';
import { buildWindowsEvent, outcomeFromKeywords } from '../windows_record';

function attr(node: unknown, name: string): unknown {
  if (!isObject(node)) return undefined;
  const attrs = node['#attributes'];
  if (isObject(attrs) && attrs[name] !== undefined) return attrs[name];
  return node[name];
}

/** Element text: a primitive itself, or its "#text". Null (an empty element) is the empty string. */
function text(node: unknown): string | undefined {
  if (node === null) return '';
  if (!isObject(node)) return asString(node);
  const t = node['#text'];
  return t === undefined ? '' : asString(t);
}

const ZERO_GUID = '{00000000-0000-0000-0000-000000000000}';

function addValue(ed: EventData, name: string, value: unknown, dropEmpty: boolean): void {
  const v = text(value);
  if (v === undefined) return;
  if (dropEmpty && (v === '' || v === '-' || v === ZERO_GUID)) return;
  ed[name] = v;
}

/** <EventData><Data Name="X">v</Data>…</EventData>; unnamed items become param1… as Winlogbeat names them. */
function eventDataOf(node: unknown, ed: EventData, dropEmpty: boolean): void {
  if (!isObject(node)) return;
  const data = node.Data;
  if (data !== undefined) {
    const items = Array.isArray(data) ? data : [data];
    let unnamed = 0;
    for (const item of items) {
      const name = attr(item, 'Name');
      if (typeof name === 'string' && name !== '') addValue(ed, name, item, dropEmpty);
      else if (isObject(item) && Array.isArray(item['#text'])) {
        // evtx_dump renders unnamed items as {"#text": [..]}
        for (const v of item['#text']) addValue(ed, `param${++unnamed}`, v, dropEmpty);
      } else addValue(ed, `param${++unnamed}`, item, dropEmpty);
    }
  }
  for (const k in node) {
    if (k === 'Data' || k === '#attributes' || k === '#text' || k === 'xmlns' || k === 'Binary') continue;
    // evtx_dump flattens named Data items into keys of EventData.
    addValue(ed, k, node[k], dropEmpty);
  }
}

/** <UserData><LogFileCleared><SubjectUserName>…: the children of the one wrapper element. */
function userDataOf(node: unknown, ed: EventData): void {
  if (!isObject(node)) return;
  for (const k in node) {
    if (k === '#attributes' || k === '#text' || k === 'xmlns') continue;
    const wrapper = node[k];
    if (!isObject(wrapper)) continue;
    for (const c in wrapper) {
      if (c === '#attributes' || c === '#text' || c === 'xmlns' || c.startsWith('xmlns:')) continue;
      addValue(ed, c, wrapper[c], false);
    }
  }
}

export function normalizeEvtxObject(
  event: unknown,
  origin: EventOrigin,
  original: unknown,
  keepOriginal: boolean | undefined,
  fieldPrefix: string,
): NormalizeResult {
  if (!isObject(event)) return reject('missing Event element', fieldPrefix, origin, original);
  const sys = event.System;
  if (!isObject(sys))
    return reject('missing Event.System element', `${fieldPrefix}.System`, origin, original);
  const channel = text(sys.Channel);
  const ed: EventData = {};
  eventDataOf(event.EventData, ed, channelKind(channel) === 'sysmon');
  userDataOf(event.UserData, ed);
  const eventIdNode = sys.EventID;
  const sid = attr(sys.Security, 'UserID');
  return buildWindowsEvent(
    {
      time: attr(sys.TimeCreated, 'SystemTime'),
      timeField: `${fieldPrefix}.System.TimeCreated.SystemTime`,
      eventId: text(eventIdNode),
      eventIdField: `${fieldPrefix}.System.EventID`,
      channel,
      provider: asString(attr(sys.Provider, 'Name')),
      computer: text(sys.Computer),
      recordId: text(sys.EventRecordID),
      userSid: typeof sid === 'string' && sid !== '' ? sid : undefined,
      outcome: outcomeFromKeywords(text(sys.Keywords)),
      eventData: ed,
    },
    origin,
    original,
    keepOriginal,
  );
}
