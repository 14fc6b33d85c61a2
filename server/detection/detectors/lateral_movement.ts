import type { Event } from '../../../common/event';
import type { LateralMovementConfig } from '../config';
import type { EvidenceRef, Finding } from '../types';
import { BoundedMap, isRecord } from './bounded_map';
import type { Detector } from './types';
import {
  basename,
  capEvidence,
  clampRisk,
  eventData,
  eventId,
  hostKey,
  hostName,
  isIpAddress,
  isLoopback,
  isSecurity,
  isServiceIdentity,
  isSysmon,
  logonType,
  minutes,
  present,
  severityFor,
  shortHost,
  sourceIp,
  sourceWorkstation,
  targetUser,
  timeMs,
  userKey,
} from './event_fields';

/**
 * Lateral movement (T1021.x, T1047, T1569.002, T1570, T1550.002) from the authentication graph:
 * - fan-out: one source reaching many hosts with network (type 3) or RDP (type 10) logons, explicit-credential
 *   logons (4648) or connections to remote-administration ports (Sysmon 3) inside a window;
 * - new edges: src->dst pairs never seen during the source's learning period;
 * - remote execution: on one host, an inbound network logon followed shortly by a service install (7045/4697), a
 *   scheduled task created or changed (4698/4702), an executable written to an admin share (5145) or a process
 *   started by WmiPrvSE/wsmprovhost.
 */

export const LATERAL_FANOUT_RULE_ID = 'apt.behaviour.lateral_fanout';
export const LATERAL_NEW_EDGES_RULE_ID = 'apt.behaviour.lateral_new_edges';
export const REMOTE_EXEC_RULE_ID = 'apt.behaviour.remote_execution_after_logon';

/** How a hop was made: RDP, SMB/network logon, WinRM, RPC (WMI/DCOM), explicit credentials. */
type HopKind = 'rdp' | 'smb' | 'winrm' | 'rpc' | 'explicit';

/** [time ms, destination, user, kind, pass-the-hash-like (0/1), evidence id, location]. */
type Hop = [number, string, string, HopKind, number, string, string];

interface SourceState {
  firstSeen: number;
  /** destination -> first time the edge was seen. */
  edges: Record<string, number>;
  hops: Hop[];
  fanQuietUntil: number;
  newQuietUntil: number;
}

/** [time ms, source, user, evidence id, location] of the last inbound remote logon on a host. */
type Inbound = [number, string, string, string, string];

interface HostState {
  inbound: Inbound[];
  quietUntil: Record<string, number>;
}

const PORT_KIND: Record<number, HopKind> = {
  3389: 'rdp',
  445: 'smb',
  139: 'smb',
  5985: 'winrm',
  5986: 'winrm',
  135: 'rpc',
};
const KIND_TECHNIQUE: Record<HopKind, string> = {
  rdp: 'T1021.001',
  smb: 'T1021.002',
  winrm: 'T1021.006',
  rpc: 'T1047',
  explicit: 'T1021',
};
const KIND_WORD: Record<HopKind, string> = {
  rdp: 'RDP',
  smb: 'network (SMB)',
  winrm: 'WinRM',
  rpc: 'RPC/WMI',
  explicit: 'explicit-credential',
};
const EXECUTABLE_EXT = /\.(exe|dll|bat|cmd|ps1|vbs|scr|sys)$/i;

interface Hopping {
  source: string;
  destination: string;
  user: string;
  kind: HopKind;
  pth: boolean;
}

/** The src->dst hop an event shows, if any. */
export function hopOf(ev: Event): Hopping | undefined {
  const code = eventId(ev);
  if (code !== 4624 && code !== 4648 && code !== 3) return undefined;
  const host = hostKey(ev);
  if (!host) return undefined;
  if (isSecurity(ev) && code === 4624) {
    const lt = logonType(ev);
    if (lt !== 3 && lt !== 10) return undefined;
    const user = targetUser(ev);
    if (!user || isServiceIdentity(user) || userKey(user) === 'anonymous logon') return undefined;
    const ip = sourceIp(ev);
    const ws = sourceWorkstation(ev);
    const source = ip && !isLoopback(ip) ? ip : ws ? shortHost(ws) : undefined;
    if (!source || source === host) return undefined;
    const pkg = (present(eventData(ev, 'AuthenticationPackageName')) ?? '').toLowerCase();
    const keyLen = present(eventData(ev, 'KeyLength'));
    const pth = lt === 3 && pkg === 'ntlm' && keyLen === '0';
    return { source, destination: host, user: userKey(user), kind: lt === 10 ? 'rdp' : 'smb', pth };
  }
  if (isSecurity(ev) && code === 4648) {
    const target = present(eventData(ev, 'TargetServerName'));
    if (!target || target.toLowerCase() === 'localhost') return undefined;
    const dst = shortHost(target);
    if (dst === host) return undefined;
    const user = targetUser(ev);
    if (!user || isServiceIdentity(user)) return undefined;
    return { source: host, destination: dst, user: userKey(user), kind: 'explicit', pth: false };
  }
  if (isSysmon(ev) && code === 3) {
    const port = ev.destination?.port ?? Number(eventData(ev, 'DestinationPort'));
    const kind = PORT_KIND[port];
    const dstIp = present(ev.destination?.ip ?? eventData(ev, 'DestinationIp'));
    const initiated = (eventData(ev, 'Initiated') ?? 'true').toLowerCase() === 'true';
    if (!kind || !dstIp || isLoopback(dstIp) || !initiated) return undefined;
    const user = present(ev.user?.name ?? eventData(ev, 'User')) ?? '';
    if (user && isServiceIdentity(userKey(user))) return undefined;
    return { source: host, destination: dstIp, user: user ? userKey(user) : '', kind, pth: false };
  }
  return undefined;
}

/**
 * Windows 10+ creates a copy of each per-user service template when a user logs on, named `<template>_<hex LUID>` and
 * run from System32 (e.g. `AarSvc_b0b5d` under svchost, `CredentialEnrollmentManagerUserSvc_b0b5d`): a logon that
 * installs one is not a remote service install. The rule apt.persist.new_service skips the same instances.
 */
const PER_USER_SERVICE = /^[a-z]+_[0-9a-f]{4,8}$/i;
const SYSTEM32_IMAGE = /^"?(%systemroot%|c:\\windows)\\system32\\[^\\]+\.exe/i;

function isPerUserServiceInstance(name: string, imagePath: string): boolean {
  return PER_USER_SERVICE.test(name) && SYSTEM32_IMAGE.test(imagePath);
}

const GROUP_POLICY_TASK = /^\\Microsoft\\Windows\\GroupPolicy\\\{[0-9A-F-]{36}\}$/i;

/** Remote-execution step on a host (what an attacker does right after logging on over the network). */
export function remoteExecutionOf(
  ev: Event,
  parentByPid?: (pid: string) => string | undefined,
): { what: string; techniques: string[] } | undefined {
  const code = eventId(ev);
  if (code === undefined) return undefined;
  if (
    (code === 7045 && (ev.winlog?.channel ?? '').toLowerCase() === 'system') ||
    (code === 4697 && isSecurity(ev))
  ) {
    const name = present(eventData(ev, 'ServiceName') ?? ev.service?.name) ?? 'a service';
    const file = present(eventData(ev, 'ImagePath') ?? eventData(ev, 'ServiceFileName')) ?? '';
    if (isPerUserServiceInstance(name, file)) return undefined;
    return {
      what: `service ${name} installed${file ? ` (${file})` : ''}`,
      techniques: ['T1569.002', 'T1021.002'],
    };
  }
  if ((code === 4698 || code === 4702) && isSecurity(ev)) {
    const task = present(eventData(ev, 'TaskName')) ?? 'a scheduled task';
    // Group Policy refreshes its own tasks when a user logs on (4702 on \Microsoft\Windows\GroupPolicy\{GUID}).
    if (code === 4702 && GROUP_POLICY_TASK.test(task)) return undefined;
    return {
      what: `scheduled task ${task} ${code === 4698 ? 'created' : 'updated'}`,
      // Created right after an inbound network logon, the task was registered remotely: Remote Services (T1021).
      techniques: ['T1053.005', 'T1021'],
    };
  }
  if (code === 5145 && isSecurity(ev)) {
    const share = (present(eventData(ev, 'ShareName')) ?? '').toUpperCase();
    const target = present(eventData(ev, 'RelativeTargetName')) ?? '';
    const mask = (present(eventData(ev, 'AccessMask')) ?? '').toLowerCase();
    const writes = mask !== '' && (Number.parseInt(mask, 16) & 0x2) !== 0;
    if (/\\(ADMIN|C)\$$/.test(share) && EXECUTABLE_EXT.test(target) && writes) {
      return { what: `${target} written to ${share}`, techniques: ['T1570', 'T1021.002'] };
    }
    return undefined;
  }
  if ((isSysmon(ev) && code === 1) || (isSecurity(ev) && code === 4688)) {
    // Windows 7/2008 4688 events carry no ParentProcessName, only the parent's pid: resolve it from earlier events.
    const parentPid = present(eventData(ev, 'ProcessId'));
    const parent = basename(
      present(
        ev.process?.parent?.executable ?? eventData(ev, 'ParentImage') ?? eventData(ev, 'ParentProcessName'),
      ) ??
        (isSecurity(ev) && parentPid && parentByPid ? parentByPid(parentPid) : undefined) ??
        '',
    );
    const image = basename(
      present(ev.process?.executable ?? eventData(ev, 'Image') ?? eventData(ev, 'NewProcessName')) ?? '',
    );
    if (parent === 'wmiprvse.exe' && image !== 'wmiprvse.exe' && image !== 'werfault.exe') {
      return { what: `${image} started by WmiPrvSE`, techniques: ['T1047', 'T1021'] };
    }
    if (parent === 'wsmprovhost.exe')
      return { what: `${image} started by wsmprovhost (WinRM)`, techniques: ['T1021.006'] };
  }
  return undefined;
}

/** Windows writes pids as hex (0x1a4) in Security events and decimal in Sysmon; compare them as numbers. */
export function pidKey(pid: string): string {
  const n = /^0x[0-9a-f]+$/i.test(pid) ? Number.parseInt(pid, 16) : Number(pid);
  return Number.isFinite(n) ? String(n) : pid.toLowerCase();
}

function isHop(v: unknown): v is Hop {
  return Array.isArray(v) && v.length === 7 && typeof v[0] === 'number' && typeof v[1] === 'string';
}
function isSourceState(v: unknown): v is SourceState {
  return (
    isRecord(v) &&
    typeof v.firstSeen === 'number' &&
    isRecord(v.edges) &&
    Array.isArray(v.hops) &&
    v.hops.every(isHop) &&
    typeof v.fanQuietUntil === 'number' &&
    typeof v.newQuietUntil === 'number'
  );
}
function isImageSlot(v: unknown): v is [string] {
  return Array.isArray(v) && v.length === 1 && typeof v[0] === 'string';
}
function isHostState(v: unknown): v is HostState {
  return isRecord(v) && Array.isArray(v.inbound) && isRecord(v.quietUntil);
}

export class LateralMovementDetector implements Detector {
  readonly id = LATERAL_FANOUT_RULE_ID;
  private readonly sources: BoundedMap<SourceState>;
  private readonly hosts: BoundedMap<HostState>;
  private readonly windowMs: number;
  private readonly seqMs: number;
  private readonly learningMs: number;
  private readonly allow: Set<string>;
  private latest = 0;
  /** host|pid -> [image basename] of recent process creations. */
  private readonly images: BoundedMap<[string]>;
  private readonly scratch = new Set<string>();

  constructor(
    private readonly cfg: LateralMovementConfig,
    private readonly maxEvidence = 20,
  ) {
    this.sources = new BoundedMap(cfg.maxSources);
    this.hosts = new BoundedMap(cfg.maxSources);
    // Recent process creations only: pids are reused, so the oldest entries are the first to go.
    this.images = new BoundedMap(cfg.maxSources * 4);
    this.windowMs = minutes(cfg.windowMinutes);
    this.seqMs = minutes(cfg.sequenceMinutes);
    this.learningMs = cfg.learningHours * 3_600_000;
    this.allow = new Set(cfg.allowSources.map((s) => s.toLowerCase()));
  }

  observe(ev: Event): Finding[] {
    const t = timeMs(ev);
    if (t > this.latest) this.latest = t;
    const hop = hopOf(ev);
    if (hop) {
      if (this.allow.has(hop.source) || this.allow.has(shortHost(hop.source))) return [];
      const out = this.onHop(hop, ev, t);
      if (hop.kind !== 'explicit' && hop.destination === hostKey(ev)) this.recordInbound(hop, ev, t);
      return out;
    }
    const host = hostKey(ev);
    const exec = remoteExecutionOf(
      ev,
      host ? (pid) => this.images.get(`${host}|${pidKey(pid)}`)?.[0] : undefined,
    );
    if (host) this.rememberImage(ev, host);
    return exec ? this.onRemoteExecution(exec, ev, t) : [];
  }

  /** pid -> image of process-creation events, so a child event without a parent name can still be attributed. */
  private rememberImage(ev: Event, host: string): void {
    const code = eventId(ev);
    const created = (isSecurity(ev) && code === 4688) || (isSysmon(ev) && code === 1);
    if (!created) return;
    const pid = present(eventData(ev, isSecurity(ev) ? 'NewProcessId' : 'ProcessId'));
    const image = present(
      ev.process?.executable ?? eventData(ev, 'NewProcessName') ?? eventData(ev, 'Image'),
    );
    if (!pid || !image) return;
    const slot = this.images.upsert(`${host}|${pidKey(pid)}`, () => ['']);
    slot[0] = basename(image);
  }

  flush(now?: string): Finding[] {
    const t = now ? Date.parse(now) : this.latest;
    const cutoff = t - this.windowMs;
    this.sources.sweep((s) => {
      s.hops = s.hops.filter((h) => h[0] >= cutoff);
      // Edges are the learned graph: they are kept while the source is active and dropped with it.
      return s.hops.length === 0 && t - s.firstSeen > Math.max(this.learningMs, this.windowMs) * 7;
    });
    this.hosts.sweep((h) => {
      h.inbound = h.inbound.filter((i) => i[0] >= t - this.seqMs);
      return h.inbound.length === 0;
    });
    return [];
  }

  snapshot(): unknown {
    return {
      latest: this.latest,
      sources: this.sources.toJSON(),
      hosts: this.hosts.toJSON(),
      images: this.images.toJSON(),
    };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.latest = typeof s.latest === 'number' ? s.latest : 0;
    this.sources.load(s.sources, isSourceState);
    this.hosts.load(s.hosts, isHostState);
    this.images.load(s.images, isImageSlot);
  }

  private onHop(hop: Hopping, ev: Event, t: number): Finding[] {
    const state = this.sources.upsert(hop.source, () => ({
      firstSeen: t,
      edges: {},
      hops: [],
      fanQuietUntil: 0,
      newQuietUntil: 0,
    }));
    const cutoff = t - this.windowMs;
    while (state.hops.length > 0 && state.hops[0][0] < cutoff) state.hops.shift();
    state.hops.push([
      t,
      hop.destination,
      hop.user,
      hop.kind,
      hop.pth ? 1 : 0,
      ev.origin.id,
      ev.origin.location,
    ]);
    if (state.hops.length > this.cfg.maxEdgesPerSource) state.hops.shift();
    if (
      state.edges[hop.destination] === undefined &&
      Object.keys(state.edges).length < this.cfg.maxEdgesPerSource
    ) {
      state.edges[hop.destination] = t;
    }

    const out: Finding[] = [];
    // Distinct counts through one reused set: this runs for every hop, and findings are rare.
    const seen = this.scratch;
    seen.clear();
    for (const h of state.hops) seen.add(h[1]);
    const dstCount = seen.size;
    if (dstCount >= this.cfg.fanOutHosts && t >= state.fanQuietUntil) {
      state.fanQuietUntil = t + this.windowMs;
      out.push(this.fanOutFinding(hop.source, state.hops, dstCount));
    }
    const learnedUntil = state.firstSeen + this.learningMs;
    seen.clear();
    for (const h of state.hops) if ((state.edges[h[1]] ?? 0) > learnedUntil) seen.add(h[1]);
    const newDstCount = seen.size;
    seen.clear();
    // A fan-out finding already covers these hops; new edges matter when the volume alone stays below it.
    if (
      out.length === 0 &&
      this.learningMs > 0 &&
      newDstCount >= this.cfg.newEdges &&
      t >= state.newQuietUntil
    ) {
      state.newQuietUntil = t + this.windowMs;
      const newHops = state.hops.filter((h) => (state.edges[h[1]] ?? 0) > learnedUntil);
      out.push(this.newEdgesFinding(hop.source, newHops, newDstCount));
    }
    return out;
  }

  private recordInbound(hop: Hopping, ev: Event, t: number): void {
    const state = this.hosts.upsert(hop.destination, () => ({ inbound: [], quietUntil: {} }));
    state.inbound = state.inbound.filter((i) => i[0] >= t - this.seqMs);
    state.inbound.push([t, hop.source, hop.user, ev.origin.id, ev.origin.location]);
    if (state.inbound.length > 20) state.inbound.shift();
  }

  private onRemoteExecution(exec: { what: string; techniques: string[] }, ev: Event, t: number): Finding[] {
    const host = hostKey(ev);
    if (!host) return [];
    const state = this.hosts.get(host);
    if (!state) return [];
    const recent = state.inbound.filter((i) => i[0] <= t && i[0] >= t - this.seqMs);
    if (recent.length === 0) return [];
    const last = recent[recent.length - 1];
    const quietKey = `${last[1]}|${exec.techniques[0]}`;
    if (t < (state.quietUntil[quietKey] ?? 0)) return [];
    state.quietUntil[quietKey] = t + this.windowMs;
    for (const k of Object.keys(state.quietUntil))
      if ((state.quietUntil[k] ?? 0) < t) delete state.quietUntil[k];
    const risk = clampRisk(62 + (exec.techniques.includes('T1569.002') ? 8 : 0));
    const displayHost = hostName(ev) ?? host;
    const evidence: EvidenceRef[] = [
      {
        id: last[3],
        location: last[4],
        timestamp: new Date(last[0]).toISOString(),
        summary: `network logon of ${last[2]} from ${last[1]}`,
      },
      { id: ev.origin.id, location: ev.origin.location, timestamp: ev['@timestamp'], summary: exec.what },
    ];
    const secs = Math.round((t - last[0]) / 1000);
    return [
      {
        ruleId: REMOTE_EXEC_RULE_ID,
        ruleName: 'Remote execution right after a network logon',
        detector: 'behaviour',
        techniqueIds: exec.techniques,
        severity: severityFor(risk),
        riskScore: risk,
        explanation:
          `On ${displayHost}, ${exec.what} ${secs} seconds after a network logon of ${last[2]} from ${last[1]}, ` +
          `the sequence of remote execution over the network.`,
        host: displayHost,
        user: last[2] || undefined,
        firstSeen: new Date(last[0]).toISOString(),
        lastSeen: ev['@timestamp'],
        evidence,
      },
    ];
  }

  private hopRefs(hops: Hop[]): EvidenceRef[] {
    return capEvidence(
      hops.map((h) => ({
        id: h[5],
        location: h[6],
        timestamp: new Date(h[0]).toISOString(),
        summary: `${KIND_WORD[h[3]]} logon${h[2] ? ` of ${h[2]}` : ''} to ${h[1]}`,
      })),
      this.maxEvidence,
    );
  }

  private techniquesFor(hops: Hop[]): string[] {
    const techniques = new Set<string>();
    for (const h of hops) techniques.add(KIND_TECHNIQUE[h[3]]);
    const pth = hops.filter((h) => h[4] === 1).length;
    if (pth * 2 >= hops.length && pth > 0) techniques.add('T1550.002');
    if (techniques.size > 1) techniques.delete('T1021');
    return [...techniques].sort();
  }

  private fanOutFinding(source: string, hops: Hop[], count: number): Finding {
    const users = new Set(hops.map((h) => h[2]).filter((u) => u !== ''));
    const kinds = new Set(hops.map((h) => KIND_WORD[h[3]]));
    const risk = clampRisk(55 + Math.min(30, 8 * Math.log2(count / this.cfg.fanOutHosts + 1)));
    const dsts = [...new Set(hops.map((h) => h[1]))];
    const pth = this.techniquesFor(hops).includes('T1550.002')
      ? ' NTLM logons without a session key suggest pass-the-hash.'
      : '';
    return {
      ruleId: LATERAL_FANOUT_RULE_ID,
      ruleName: 'Lateral movement: one source logging on to many hosts',
      detector: 'behaviour',
      techniqueIds: this.techniquesFor(hops),
      severity: severityFor(risk),
      riskScore: risk,
      explanation:
        `${source} made ${[...kinds].join('/')} logons to ${count} different hosts (${dsts.slice(0, 4).join(', ')}` +
        `${dsts.length > 4 ? ', ...' : ''}) within ${this.cfg.windowMinutes} minutes` +
        `${users.size ? ` as ${[...users].slice(0, 3).join(', ')}` : ''}, a fan-out typical of lateral movement.${pth}`,
      host: isIpAddress(source) ? undefined : source,
      user: users.size === 1 ? [...users][0] : undefined,
      firstSeen: new Date(hops[0][0]).toISOString(),
      lastSeen: new Date(hops[hops.length - 1][0]).toISOString(),
      evidence: this.hopRefs(hops),
    };
  }

  private newEdgesFinding(source: string, hops: Hop[], count: number): Finding {
    const risk = clampRisk(40 + Math.min(25, 6 * Math.log2(count / this.cfg.newEdges + 1)));
    const dsts = [...new Set(hops.map((h) => h[1]))];
    const users = new Set(hops.map((h) => h[2]).filter((u) => u !== ''));
    return {
      ruleId: LATERAL_NEW_EDGES_RULE_ID,
      ruleName: 'Lateral movement: new logon paths from one source',
      detector: 'behaviour',
      techniqueIds: this.techniquesFor(hops),
      severity: severityFor(risk),
      riskScore: risk,
      explanation:
        `${source} logged on to ${count} hosts it had never reached before (${dsts.slice(0, 4).join(', ')}` +
        `${dsts.length > 4 ? ', ...' : ''}) within ${this.cfg.windowMinutes} minutes, new paths in the logon graph.`,
      host: isIpAddress(source) ? undefined : source,
      user: users.size === 1 ? [...users][0] : undefined,
      firstSeen: new Date(hops[0][0]).toISOString(),
      lastSeen: new Date(hops[hops.length - 1][0]).toISOString(),
      evidence: this.hopRefs(hops),
    };
  }
}
