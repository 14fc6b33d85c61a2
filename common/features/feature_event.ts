/**
 * The projection of a normalized Event onto the few fields the feature schema reads. Training exports these
 * records (NDJSON) and the Python side recomputes every window feature from them, so the aggregation logic is
 * implemented twice and compared (see scripts/train/features.py and window_extractor.test.ts).
 *
 * Isomorphic: no Node or browser APIs here.
 */
import type { Event } from '../event';
import { eventDataValue as eventData } from '../event_data_lookup';
import { stringMemo } from '../string_memo';
import { parseLogonType } from '../windows_values';

export type ChannelClass = 'sec' | 'sysmon' | 'system' | 'ps' | 'other';

export interface FeatureEvent {
  /** Epoch milliseconds. */
  t: number;
  /** Host key: lower case, no DNS domain; '' when absent. */
  h: string;
  /** User key: lower case, no domain; '' for none or a service identity (SYSTEM, machine accounts). */
  u: string;
  c: ChannelClass;
  /** Windows event id, 0 when unknown. */
  id: number;
  /** 1 for a failure outcome. */
  f: 0 | 1;
  /** Logon type, 0 when absent. */
  lt: number;
  /** Process and parent process image names, lower case, '' when absent. */
  p: string;
  pp: string;
  dip: string;
  dport: number;
  sip: string;
  /** Bytes sent by this host (flow bytes of a network event), 0 when absent. */
  ob: number;
  /** DNS query name, lower case, no trailing dot. */
  q: string;
  /**
   * Target process image name of a Sysmon 8 (CreateRemoteThread) or 10 (ProcessAccess) event, lower case; absent
   * otherwise. Not a model input: it only tells which technique a window's process-access count is evidence of
   * (feature_techniques.ts), so the training export and features.py ignore it.
   */
  tp?: string;
}

function present(v: string | undefined | null): string | undefined {
  if (v === undefined || v === null) return undefined;
  const t = String(v).trim();
  return t === '' || t === '-' ? undefined : t;
}

function baseName(p: string | undefined): string {
  if (!p) return '';
  const i = Math.max(p.lastIndexOf('\\'), p.lastIndexOf('/'));
  return (i >= 0 ? p.slice(i + 1) : p).toLowerCase();
}

function computeHostKey(h: string): string {
  const lower = h.toLowerCase();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(lower)) return lower;
  const dot = lower.indexOf('.');
  return dot > 0 ? lower.slice(0, dot) : lower;
}
const hostKeyMemo = stringMemo(computeHostKey);

export function hostKeyOf(name: string | undefined): string {
  const h = present(name);
  return h ? hostKeyMemo(h) : '';
}

const NON_USERS = new Set(['anonymous logon', 'system', 'local service', 'network service']);

function computeUserKey(n: string): string {
  let u = n.toLowerCase();
  const slash = u.lastIndexOf('\\');
  if (slash >= 0) u = u.slice(slash + 1);
  const at = u.indexOf('@');
  if (at > 0) u = u.slice(0, at);
  if (u === '' || u.endsWith('$') || NON_USERS.has(u) || u.startsWith('dwm-') || u.startsWith('umfd-'))
    return '';
  return u;
}
const userKeyMemo = stringMemo(computeUserKey);

export function userKeyOf(name: string | undefined): string {
  const n = present(name);
  return n ? userKeyMemo(n) : '';
}

/** Classes in precedence order: an event whose channel or provider names a class earlier in the list gets it. */
const CLASS_ORDER: readonly ChannelClass[] = ['sec', 'sysmon', 'ps', 'system', 'other'];

const classOfChannel = stringMemo((channel: string): number => {
  const c = channel.toLowerCase();
  if (c === 'security') return 0;
  if (c.includes('sysmon')) return 1;
  if (c.includes('powershell')) return 2;
  if (c === 'system') return 3;
  return 4;
});

const classOfProvider = stringMemo((provider: string): number => {
  const p = provider.toLowerCase();
  if (p === 'microsoft-windows-security-auditing') return 0;
  if (p.includes('sysmon')) return 1;
  if (p.includes('powershell')) return 2;
  return 4;
});

function channelClass(ev: Event): ChannelClass {
  const byChannel = classOfChannel(ev.winlog?.channel ?? '');
  const byProvider = classOfProvider(ev.event?.provider ?? ev.winlog?.provider_name ?? '');
  return CLASS_ORDER[Math.min(byChannel, byProvider)];
}

function eventIdOf(ev: Event): number {
  if (typeof ev.winlog?.event_id === 'number') return ev.winlog.event_id;
  const code = ev.event?.code;
  return code !== undefined && /^\d+$/.test(code) ? Number(code) : 0;
}

function logonTypeOf(ev: Event): number {
  const raw = present(ev.winlog?.logon?.type) ?? present(eventData(ev, 'LogonType'));
  return raw === undefined ? 0 : (parseLogonType(raw) ?? 0);
}

/** Events about an account that logs on (the target user), rather than one acting as a subject. */
const TARGET_USER_IDS = new Set([4624, 4625, 4634, 4647, 4648, 4768, 4769, 4771, 4776]);

function finiteNumber(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export function toFeatureEvent(ev: Event): FeatureEvent | undefined {
  const t = Date.parse(ev['@timestamp']);
  if (!Number.isFinite(t)) return undefined;
  const c = channelClass(ev);
  const id = eventIdOf(ev);
  const targetFirst = c === 'sec' && TARGET_USER_IDS.has(id);
  const userName = targetFirst
    ? (present(eventData(ev, 'TargetUserName')) ?? present(ev.user?.target?.name) ?? present(ev.user?.name))
    : (present(ev.user?.name) ?? present(eventData(ev, 'SubjectUserName')) ?? present(eventData(ev, 'User')));
  const proc =
    present(ev.process?.name)?.toLowerCase() ??
    baseName(present(ev.process?.executable) ?? eventData(ev, 'NewProcessName') ?? eventData(ev, 'Image'));
  const parent =
    present(ev.process?.parent?.name)?.toLowerCase() ??
    baseName(
      present(ev.process?.parent?.executable) ??
        eventData(ev, 'ParentProcessName') ??
        eventData(ev, 'ParentImage'),
    );
  let sip =
    present(ev.source?.ip) ?? present(eventData(ev, 'IpAddress')) ?? present(eventData(ev, 'SourceIp')) ?? '';
  if (sip.startsWith('::ffff:')) sip = sip.slice(7);
  const dip = present(ev.destination?.ip) ?? present(eventData(ev, 'DestinationIp')) ?? '';
  const q = (present(ev.dns?.question?.name) ?? present(eventData(ev, 'QueryName')) ?? '').toLowerCase();
  const tp = c === 'sysmon' && (id === 8 || id === 10) ? baseName(eventData(ev, 'TargetImage')) : '';
  const fe: FeatureEvent = {
    t,
    h: hostKeyOf(ev.host?.name ?? ev.host?.hostname ?? ev.winlog?.computer_name),
    u: userKeyOf(userName),
    c,
    id,
    f: ev.event?.outcome === 'failure' || (c === 'sec' && (id === 4625 || id === 4771)) ? 1 : 0,
    lt: logonTypeOf(ev),
    p: proc,
    pp: parent,
    dip,
    dport: finiteNumber(ev.destination?.port ?? eventData(ev, 'DestinationPort')),
    sip,
    ob: finiteNumber(ev.source?.bytes),
    q: q.endsWith('.') ? q.slice(0, -1) : q,
  };
  if (tp !== '') fe.tp = tp;
  return fe;
}
