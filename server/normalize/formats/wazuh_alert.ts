/**
 * Wazuh 4.x alerts (alerts.json / wazuh-alerts-4.x-*). Windows events sit in data.win.system / data.win.eventdata
 * with lowerCamelCase names, string values and doubled backslashes. The rule's MITRE ids become `threat_hint`
 * only: a Wazuh rule firing is evidence, not a detection of ours.
 */
import type { Event, EventOrigin, NormalizeResult } from '../../../common/event';
import { buildEventData, type EventData } from '../event_data';
import { isObject, reject } from '../rejection';
import { toIsoTimestamp } from '../timestamp';
import { asString, parseIntLoose } from '../values';
import { channelKind } from '../windows_ecs';
import { buildWindowsEvent } from '../windows_record';

type Obj = Record<string, unknown>;

function threatHint(rule: Obj): Event['threat_hint'] {
  const mitre = isObject(rule.mitre) ? rule.mitre : undefined;
  const ids: string[] = [];
  if (mitre !== undefined && Array.isArray(mitre.id))
    for (const x of mitre.id) if (typeof x === 'string') ids.push(x);
  const hint: NonNullable<Event['threat_hint']> = { technique_ids: ids };
  const id = asString(rule.id);
  if (id !== undefined) hint.rule_id = id;
  const level = parseIntLoose(rule.level);
  if (level !== undefined) hint.rule_level = level;
  if (typeof rule.description === 'string') hint.rule_description = rule.description;
  return hint;
}

/** Filebeat -> Kafka carries the alert as a JSON string in `message` (the ES ingest pipeline would parse it). */
function unwrap(raw: Obj): Obj {
  if (raw.rule === undefined && typeof raw.message === 'string' && raw.message.charCodeAt(0) === 123) {
    try {
      const inner = JSON.parse(raw.message) as unknown;
      if (isObject(inner)) return inner;
    } catch {
      // not an envelope: fall through with the document itself
    }
  }
  return raw;
}

/**
 * An event's UserData (instead of EventData), which Wazuh writes as one more object under `data.win`, named after the
 * wrapper element in lowerCamelCase: `win.logFileCleared.subjectUserName` (Security 1102),
 * `win.loadPluginFailed.pluginDllName` (PrintService 808). Its fields join event_data, as the EVTX reader does with
 * `<UserData><LogFileCleared><SubjectUserName>`, so rules see the same names from either source.
 */
function userData(win: Obj): EventData {
  for (const k in win) {
    if (k === 'system' || k === 'eventdata') continue;
    const wrapper = win[k];
    if (isObject(wrapper)) return buildEventData(wrapper, { wazuh: true });
  }
  return {};
}

export function normalizeWazuhAlert(
  raw: unknown,
  origin: EventOrigin,
  keepOriginal?: boolean,
): NormalizeResult {
  if (!isObject(raw)) return reject('document is not a JSON object', '', origin, raw);
  const alert = unwrap(raw);
  const data = isObject(alert.data) ? alert.data : undefined;
  const win = data !== undefined && isObject(data.win) ? data.win : undefined;
  const agent = isObject(alert.agent) ? alert.agent : undefined;
  const rule = isObject(alert.rule) ? alert.rule : undefined;
  let result: NormalizeResult;
  if (win !== undefined) {
    const sys = isObject(win.system) ? win.system : {};
    const channel = asString(sys.channel);
    const sev = sys.severityValue;
    result = buildWindowsEvent(
      {
        time: sys.systemTime ?? alert.timestamp ?? alert['@timestamp'],
        timeField: sys.systemTime !== undefined ? 'data.win.system.systemTime' : 'timestamp',
        eventId: sys.eventID,
        eventIdField: 'data.win.system.eventID',
        channel,
        provider: asString(sys.providerName),
        computer: asString(sys.computer) ?? asString(agent?.name),
        recordId: sys.eventRecordID,
        userSid: asString(sys.securityUserID),
        outcome: sev === 'AUDIT_SUCCESS' ? 'success' : sev === 'AUDIT_FAILURE' ? 'failure' : undefined,
        eventData: {
          ...userData(win),
          ...buildEventData(win.eventdata, { wazuh: true, dropEmpty: channelKind(channel) === 'sysmon' }),
        },
      },
      origin,
      raw,
      keepOriginal,
    );
  } else {
    // A non-Windows alert (sshd, syscheck…): keep what detection can use (who, from where, the rule hint).
    const t = alert.timestamp ?? alert['@timestamp'];
    const ts = toIsoTimestamp(t);
    if (ts === undefined)
      return reject(
        t === undefined ? 'missing timestamp' : `timestamp is not a valid time: ${String(t)}`,
        '@timestamp',
        origin,
        raw,
      );
    const ev: Event = {
      '@timestamp': ts,
      event: { kind: 'alert', module: 'wazuh' },
      host: {},
      winlog: {},
      origin,
    };
    if (data !== undefined) {
      const srcip = asString(data.srcip);
      if (srcip !== undefined) ev.source = { ip: srcip, port: parseIntLoose(data.srcport) };
      const dstip = asString(data.dstip);
      if (dstip !== undefined) ev.destination = { ip: dstip, port: parseIntLoose(data.dstport) };
      const user = asString(data.dstuser) ?? asString(data.srcuser);
      if (user !== undefined) ev.user = { name: user };
    }
    if (keepOriginal) ev.original = raw;
    result = ev;
  }
  if ('rejected' in result) return result;
  if (agent !== undefined) {
    const name = asString(agent.name);
    if (name !== undefined && result.host.name === undefined) result.host.name = name;
    const id = asString(agent.id);
    if (id !== undefined) result.host.id = id;
    const ip = asString(agent.ip);
    if (ip !== undefined) result.host.ip = [ip];
  }
  if (rule !== undefined) result.threat_hint = threatHint(rule);
  return result;
}
