/**
 * Wazuh 4.x alerts as analysisd writes them to alerts.json (and, with `@timestamp` added by the Filebeat ingest
 * pipeline, as they sit in wazuh-alerts-4.x-*): `data.win.system` and `data.win.eventdata` with lowerCamelCase names,
 * string values and doubled backslashes; rule id/level/groups/mitre from wazuh_rules.ts.
 */
import type { Organisation } from './org';
import {
  eventVersion,
  isoTicks,
  providerGuid,
  providerName,
  renderMessage,
  taskId,
  writerPid,
} from './render_common';
import type { Doc } from './render_raw';
import { MITRE, matchRule } from './wazuh_rules';
import { POWERSHELL, SECURITY, SYSMON, SYSTEM, WinEvent } from './win_event';

export const WAZUH_MANAGER = 'wazuh-manager';
/** Alerts below this level are never written by a default manager. */
export const LOG_ALERT_LEVEL = 3;

function lowerFirst(k: string): string {
  return k[0].toLowerCase() + k.slice(1);
}

function doubled(v: string): string {
  return v.indexOf('\\') >= 0 ? v.replace(/\\/g, '\\\\') : v;
}

/** Default agent config drops these Security event ids before they reach the manager (ossec.conf <query>). */
const AGENT_EXCLUDED = new Set([
  5145, 5156, 5447, 4656, 4658, 4663, 4660, 4670, 4690, 4703, 4907, 5152, 5157,
]);

/** Manager time: alerts are written shortly after the event arrives. */
function alertTime(ev: WinEvent, seq: number): number {
  return ev.ts + 150 + (seq % 1700);
}

export function wazuhTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** The alert for an event, or undefined when no rule at or above log_alert_level matches. */
export function renderWazuh(org: Organisation, ev: WinEvent, recordId: number, seq: number): Doc | undefined {
  if (ev.channel === SECURITY && AGENT_EXCLUDED.has(ev.eventId)) return undefined;
  const rule = matchRule(ev);
  if (!rule || rule.level < LOG_ALERT_LEVEL) return undefined;
  const host = org.hosts[ev.host];
  const proc = writerPid(ev, org.seed);
  const eventdata: Record<string, string> = {};
  for (const k in ev.data) {
    const v = ev.data[k];
    if (k[0] === '_' || v === '') continue;
    eventdata[lowerFirst(k)] = doubled(v);
  }
  const system: Record<string, string> = {
    providerName: providerName(ev),
    providerGuid: providerGuid(ev),
    eventID: String(ev.eventId),
    version: String(eventVersion(ev)),
    level: ev.channel === SECURITY && !ev.userData ? '0' : ev.channel === POWERSHELL ? '5' : '4',
    task: taskId(ev),
    opcode: ev.channel === POWERSHELL ? '15' : '0',
    keywords: ev.userData
      ? '0x4020000000000000'
      : ev.channel === SECURITY
        ? ev.failure
          ? '0x8010000000000000'
          : '0x8020000000000000'
        : ev.channel === SYSTEM
          ? '0x8080000000000000'
          : ev.channel === SYSMON
            ? '0x8000000000000000'
            : '0x0',
    systemTime: isoTicks(ev),
    eventRecordID: String(recordId),
    processID: String(proc.pid),
    threadID: String(proc.thread),
    channel: ev.channel,
    computer: host.fqdn,
    severityValue:
      ev.channel === SECURITY && !ev.userData
        ? ev.failure
          ? 'AUDIT_FAILURE'
          : 'AUDIT_SUCCESS'
        : ev.channel === POWERSHELL
          ? 'VERBOSE'
          : 'INFORMATION',
    message: `"${renderMessage(ev, '\r\n')}"`,
  };
  if (ev.channel === SYSTEM) system.eventSourceName = 'Service Control Manager';
  const ruleDoc: Doc = { level: rule.level, description: rule.description, id: rule.id };
  if (rule.mitre) {
    const tactics: string[] = [];
    for (const id of rule.mitre)
      for (const t of MITRE[id]?.[1] ?? []) if (!tactics.includes(t)) tactics.push(t);
    ruleDoc.mitre = {
      id: rule.mitre,
      tactic: tactics,
      technique: rule.mitre.map((id) => MITRE[id]?.[0] ?? id),
    };
  }
  ruleDoc.firedtimes = 1 + (seq % 97);
  ruleDoc.mail = rule.level >= 12;
  ruleDoc.groups = rule.groups;
  if (rule.compliance) Object.assign(ruleDoc, rule.compliance);
  const ts = alertTime(ev, seq);
  const alert: Doc = {
    timestamp: wazuhTimestamp(ts),
    rule: ruleDoc,
    agent: { id: host.agentId, name: host.name, ip: host.ip },
    manager: { name: WAZUH_MANAGER },
    id: `${Math.floor(ts / 1000)}.${seq}`,
  };
  // Rules without <options>no_full_log</options> (the 9265x remote-logon family) keep the raw event.
  if (/^9265[1-7]$/.test(rule.id)) alert.full_log = JSON.stringify({ win: { eventdata, system } });
  alert.decoder = { name: 'windows_eventchannel' };
  alert.data = {
    win: ev.userData ? { system, [lowerFirst(ev.userData)]: eventdata } : { system, eventdata },
  };
  alert.location = 'EventChannel';
  return alert;
}
