/**
 * Winlogbeat 8 collection-stage documents: what Winlogbeat publishes before any ingest pipeline runs, i.e. what a
 * Kafka consumer reads (beats testdata `collection/*.evtx.golden.json` shape, plus the JSON codec's `@metadata`).
 */
import type { Organisation } from './org';
import {
  agentBlock,
  eventVersion,
  hostBlock,
  isoTicks,
  providerGuid,
  providerName,
  renderMessage,
  taskName,
  WINLOGBEAT_VERSION,
  writerPid,
} from './render_common';
import { POWERSHELL, SECURITY, SYSMON, SYSTEM, WinEvent } from './win_event';

export type Doc = Record<string, unknown>;

/** event_data as Winlogbeat reads it: every value a string; the simulator's private "_" fields removed. */
export function rawEventData(ev: WinEvent): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k in ev.data) if (k[0] !== '_') out[k] = ev.data[k];
  return out;
}

/** `withMessage` false skips rendering a message the caller would drop anyway (the Sysmon pipeline removes it). */
export function renderRaw(
  org: Organisation,
  ev: WinEvent,
  recordId: number,
  id: string,
  withMessage = true,
): Doc {
  const host = org.hosts[ev.host];
  const task = taskName(ev);
  const proc = writerPid(ev, org.seed);
  const event: Doc = { code: String(ev.eventId), id, kind: 'event', provider: providerName(ev) };
  if (task) event.action = task;
  if (ev.channel === SECURITY) event.outcome = ev.failure ? 'failure' : 'success';
  const winlog: Doc = {
    api: 'wineventlog',
    channel: ev.channel,
    computer_name: host.fqdn,
    event_data: rawEventData(ev),
    event_id: String(ev.eventId),
    opcode: 'Info',
    process: { pid: proc.pid, thread: { id: proc.thread } },
    provider_guid: providerGuid(ev),
    provider_name: providerName(ev),
    record_id: recordId,
  };
  if (ev.userData) {
    delete winlog.event_data;
    winlog.user_data = { ...rawEventData(ev), xml_name: ev.userData };
  }
  if (ev.channel === SECURITY) winlog.keywords = [ev.failure ? 'Audit Failure' : 'Audit Success'];
  if (ev.channel === SYSTEM) winlog.keywords = ['Classic'];
  if (task) winlog.task = task;
  const version = eventVersion(ev);
  if (version) winlog.version = version;
  if (ev.channel === SYSMON)
    winlog.user = { domain: 'NT AUTHORITY', identifier: 'S-1-5-18', name: 'SYSTEM', type: 'User' };
  else if (ev.channel === POWERSHELL && ev.data._UserSid)
    winlog.user = {
      domain: ev.data._UserDomain,
      identifier: ev.data._UserSid,
      name: ev.data._UserName,
      type: 'User',
    };
  return {
    '@timestamp': isoTicks(ev),
    '@metadata': { beat: 'winlogbeat', type: '_doc', version: WINLOGBEAT_VERSION },
    agent: agentBlock(org, host),
    ecs: { version: '8.0.0' },
    event,
    host: hostBlock(host),
    log: {
      level:
        ev.channel === SYSTEM || ev.channel === SECURITY || ev.channel === SYSMON ? 'information' : 'verbose',
    },
    message: withMessage ? renderMessage(ev, '\n') : undefined,
    winlog,
  };
}
