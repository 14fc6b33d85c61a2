import type { Event } from '../../../common/event';
import type { EvidenceRef, Severity } from '../types';
import { eventDataValue } from '../../../common/event_data_lookup';
import { isLoopback, isPrivateIp, parseLogonType } from '../../../common/windows_values';

/**
 * Field access shared by the detectors. Events arrive from several shapes: after Winlogbeat's ingest pipelines the
 * Security fields are moved to ECS (`user.name`, `source.ip`) and removed from `winlog.event_data`; raw events keep
 * only `event_data`. Every accessor therefore tries the raw name first and the ECS field second.
 */

/**
 * Per-event memo while the pipeline runs every detector on one event (`setDetectorEventScope`): the five detectors
 * each ask for the event id, channel, time and host, and each of those costs a parse or a lower-casing. Outside a
 * scope (detectors used on their own) every accessor computes directly, so a caller that mutates events is safe.
 */
interface EventMemo {
  event: Event | undefined;
  id: number | undefined;
  idDone: boolean;
  channel: string | undefined;
  time: number;
  timeDone: boolean;
  host: string | undefined;
  hostDone: boolean;
}
const memo: EventMemo = {
  event: undefined,
  id: undefined,
  idDone: false,
  channel: undefined,
  time: 0,
  timeDone: false,
  host: undefined,
  hostDone: false,
};

/** Starts (event) or ends (undefined) the per-event memo; the event must not change while it is in scope. */
export function setDetectorEventScope(ev: Event | undefined): void {
  memo.event = ev;
  memo.idDone = false;
  memo.channel = undefined;
  memo.timeDone = false;
  memo.hostDone = false;
}

/** Case-insensitive `winlog.event_data` lookup (field names differ in case between Windows/Sysmon versions). */
export const eventData = eventDataValue;

/** A usable value: not empty and not Windows' "-" placeholder. */
export function present(v: string | undefined | null): string | undefined {
  if (v === undefined || v === null) return undefined;
  const t = v.trim();
  return t === '' || t === '-' ? undefined : t;
}

export function eventId(ev: Event): number | undefined {
  if (ev !== memo.event) return computeEventId(ev);
  if (!memo.idDone) {
    memo.id = computeEventId(ev);
    memo.idDone = true;
  }
  return memo.id;
}

function computeEventId(ev: Event): number | undefined {
  if (typeof ev.winlog?.event_id === 'number') return ev.winlog.event_id;
  const code = ev.event?.code;
  if (code !== undefined && /^\d+$/.test(code)) return Number(code);
  return undefined;
}

export function channel(ev: Event): string {
  if (ev !== memo.event) return (ev.winlog?.channel ?? '').toLowerCase();
  return (memo.channel ??= (ev.winlog?.channel ?? '').toLowerCase());
}

export function isSysmon(ev: Event): boolean {
  const c = channel(ev);
  if (c.includes('sysmon')) return true;
  return (ev.event?.provider ?? ev.winlog?.provider_name ?? '').toLowerCase().includes('sysmon');
}

export function isSecurity(ev: Event): boolean {
  const c = channel(ev);
  if (c === 'security') return true;
  return (ev.event?.provider ?? ev.winlog?.provider_name ?? '') === 'Microsoft-Windows-Security-Auditing';
}

/** Host name as detectors key it: lower case, without the DNS domain (`PC01.corp.local` and `pc01` are one host). */
export function hostKey(ev: Event): string | undefined {
  if (ev !== memo.event) return computeHostKey(ev);
  if (!memo.hostDone) {
    memo.host = computeHostKey(ev);
    memo.hostDone = true;
  }
  return memo.host;
}

function computeHostKey(ev: Event): string | undefined {
  const h = present(ev.host?.name ?? ev.host?.hostname ?? ev.winlog?.computer_name);
  return h ? shortHost(h) : undefined;
}

export function shortHost(name: string): string {
  const lower = name.toLowerCase();
  // An IP address keeps its dots.
  if (isIpAddress(lower)) return lower;
  const dot = lower.indexOf('.');
  return dot > 0 ? lower.slice(0, dot) : lower;
}

/** Display host name (as the event carries it). */
export function hostName(ev: Event): string | undefined {
  return present(ev.host?.name ?? ev.host?.hostname ?? ev.winlog?.computer_name);
}

/** Account the event is about for authentication events (the target of 4624/4625/4768/4769/4771/4776). */
export function targetUser(ev: Event): string | undefined {
  return present(eventData(ev, 'TargetUserName') ?? ev.user?.target?.name ?? ev.user?.name);
}

/** Account that performed the action (process owner, subject). */
export function actingUser(ev: Event): string | undefined {
  return present(ev.user?.name ?? eventData(ev, 'SubjectUserName') ?? eventData(ev, 'User'));
}

/** `DOMAIN\user` and `user@domain` both become `user`, lower case: the key detectors group accounts by. */
export function userKey(name: string): string {
  let u = name.toLowerCase();
  const slash = u.lastIndexOf('\\');
  if (slash >= 0) u = u.slice(slash + 1);
  const at = u.indexOf('@');
  if (at > 0) u = u.slice(0, at);
  return u;
}

export function isMachineAccount(user: string): boolean {
  return user.endsWith('$');
}

const WELL_KNOWN_NON_USERS = new Set([
  'anonymous logon',
  'system',
  'local service',
  'network service',
  '-',
  '',
]);
export function isServiceIdentity(user: string): boolean {
  return (
    WELL_KNOWN_NON_USERS.has(user.toLowerCase()) ||
    isMachineAccount(user) ||
    user.toLowerCase().startsWith('dwm-')
  );
}

/** Logon type as a number whether the event carries `3`, `"3"` or Winlogbeat's name (`Network`). */
export function logonType(ev: Event): number | undefined {
  const raw = present(ev.winlog?.logon?.type) ?? present(eventData(ev, 'LogonType'));
  return raw === undefined ? undefined : parseLogonType(raw);
}

/** Source IP of an authentication event (ECS `source.ip` or `IpAddress`), without `::ffff:`. */
export function sourceIp(ev: Event): string | undefined {
  const ip = present(ev.source?.ip ?? eventData(ev, 'IpAddress') ?? eventData(ev, 'SourceIp'));
  if (!ip) return undefined;
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/** Source workstation of an authentication event. */
export function sourceWorkstation(ev: Event): string | undefined {
  return present(eventData(ev, 'WorkstationName') ?? eventData(ev, 'Workstation') ?? ev.source?.domain);
}

export function isIpAddress(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || (s.includes(':') && /^[0-9a-f:.]+$/i.test(s));
}

export { isLoopback, isPrivateIp };

export function timeMs(ev: Event): number {
  if (ev !== memo.event) return computeTimeMs(ev);
  if (!memo.timeDone) {
    memo.time = computeTimeMs(ev);
    memo.timeDone = true;
  }
  return memo.time;
}

function computeTimeMs(ev: Event): number {
  const s = ev['@timestamp'];
  const fast = canonicalTimeMs(s);
  if (fast >= 0) return fast;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : 0;
}

function digitsAt(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Epoch ms of a normalized timestamp ("YYYY-MM-DDTHH:MM:SS.sssZ", what the normalizers emit) read by character,
 * or -1 to leave it to Date.parse: Date.parse was most of the detectors' per-event time. Only fields without any
 * calendar overflow (day <= 28, hour <= 23) and years from 100 (Date.UTC maps 0-99 to 1900-1999) take this path,
 * so the value is the one Date.parse gives.
 */
function canonicalTimeMs(s: string): number {
  if (s.length !== 24 || s.charCodeAt(23) !== 90 || s.charCodeAt(10) !== 84 || s.charCodeAt(19) !== 46)
    return -1;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58)
    return -1;
  const y = digitsAt(s, 0, 4);
  const mo = digitsAt(s, 5, 7);
  const d = digitsAt(s, 8, 10);
  const h = digitsAt(s, 11, 13);
  const mi = digitsAt(s, 14, 16);
  const sec = digitsAt(s, 17, 19);
  const ms = digitsAt(s, 20, 23);
  if (y < 100 || mo < 1 || mo > 12 || d < 1 || d > 28 || h < 0 || h > 23 || mi < 0 || mi > 59) return -1;
  if (sec < 0 || sec > 59 || ms < 0) return -1;
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
}

export function evidenceRef(ev: Event, summary?: string): EvidenceRef {
  const ref: EvidenceRef = { id: ev.origin.id, location: ev.origin.location, timestamp: ev['@timestamp'] };
  if (summary) ref.summary = summary;
  return ref;
}

/** Keeps the first evidence items and the most recent ones: enough to find the start and the current state. */
export function capEvidence<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const head = Math.ceil(max / 2);
  return [...items.slice(0, head), ...items.slice(items.length - (max - head))];
}

/** Severity band for a 0-100 risk score (Elastic's bands: 0-21 low, 22-47 medium, 48-73 high, 74-100 critical). */
export function severityFor(risk: number): Severity {
  if (risk >= 74) return 'critical';
  if (risk >= 48) return 'high';
  if (risk >= 22) return 'medium';
  return 'low';
}

export function clampRisk(n: number): number {
  return Math.max(0, Math.min(100, Math.round(n)));
}

export function basename(path: string): string {
  const i = Math.max(path.lastIndexOf('\\'), path.lastIndexOf('/'));
  return (i >= 0 ? path.slice(i + 1) : path).toLowerCase();
}

/** `name` is one of the domains in `list` (lower-case) or a subdomain of one; a trailing dot is ignored. */
export function matchesDomain(name: string, list: readonly string[]): boolean {
  let n = name.toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  for (let i = 0; i < list.length; i++) if (isDomainOrSubdomain(n, list[i])) return true;
  return false;
}

/** `n === d` or `n` ends with `.d`, without building the `.d` string. */
export function isDomainOrSubdomain(n: string, d: string): boolean {
  return n === d || isSubdomainOf(n, d);
}

/** `n` ends with `.d` (`n.endsWith(`.${d}`)` without building the string). */
export function isSubdomainOf(n: string, d: string): boolean {
  return n.length > d.length && n.charCodeAt(n.length - d.length - 1) === 46 && n.endsWith(d);
}

export function minutes(n: number): number {
  return n * 60_000;
}
