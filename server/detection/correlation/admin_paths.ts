import type { Event } from '../../../common/event';
import type { AdminPathConfig } from '../config';
import { BoundedMap, isRecord } from '../detectors/bounded_map';
import {
  basename,
  eventData,
  eventId,
  hostKey,
  isLoopback,
  isSecurity,
  isServiceIdentity,
  isSysmon,
  logonType,
  present,
  shortHost,
  sourceIp,
  sourceWorkstation,
  targetUser,
  timeMs,
  userKey,
} from '../detectors/event_fields';
import { remoteExecutionOf } from '../detectors/lateral_movement';

/**
 * Learned admin paths. Every RDP or network logon of a person (not a machine or service identity) is an edge
 * (source, account) -> destination; actions on the destination right after it (service install, admin-share write,
 * remote task, WMI/WinRM child, and the installed service binary running) belong to that edge. Each such event gets
 * a verdict when it is seen:
 * - `new`: the edge was first seen less than `knownAfterHours` ago (a first occurrence: it must alert);
 * - `unusual`: a known edge used at an hour of day the account never used an admin edge near;
 * - `known`: a known edge in the account's usual hours - findings that only cite such events are repeats of
 *   everyday administration.
 * State: edges (first/last seen), per-account hour-of-day masks and per-host recent inbound logons, all bounded.
 */

export type PathVerdict = 'new' | 'unusual' | 'known';

interface EdgeState {
  first: number;
  last: number;
  count: number;
}

interface AccountState {
  /** Bit h set: the account used an admin edge at hour h (UTC). */
  hours: number;
}

/** [time, verdict, account] of an inbound logon; [time, binary basename, verdict] of an artifact it left. */
type Inbound = [number, PathVerdict, string];
type Artifact = [number, string, PathVerdict];

interface HostState {
  inbound: Inbound[];
  artifacts: Artifact[];
}

const MAX_PER_HOST = 20;
const HOUR_MS = 3_600_000;

function isEdge(v: unknown): v is EdgeState {
  return (
    isRecord(v) && typeof v.first === 'number' && typeof v.last === 'number' && typeof v.count === 'number'
  );
}
function isAccount(v: unknown): v is AccountState {
  return isRecord(v) && typeof v.hours === 'number';
}
function isHostState(v: unknown): v is HostState {
  return isRecord(v) && Array.isArray(v.inbound) && Array.isArray(v.artifacts);
}
function isVerdict(v: unknown): v is PathVerdict {
  return v === 'new' || v === 'unusual' || v === 'known';
}

/** The binary a service image path runs: `"C:\x\y.exe" /arg` and `%SystemRoot%\y.exe` -> `y.exe`. */
export function imageBinary(imagePath: string): string {
  const p = imagePath.trim();
  const quoted = /^"([^"]+)"/.exec(p);
  const first = quoted
    ? quoted[1]
    : (/^(.*?\.(exe|dll|sys|bat|cmd))(\s|$)/i.exec(p)?.[1] ?? p.split(/\s/)[0]);
  return basename(first);
}

export class AdminPathLearner {
  private readonly edges: BoundedMap<EdgeState>;
  private readonly accounts: BoundedMap<AccountState>;
  private readonly hosts: BoundedMap<HostState>;
  /** origin id -> verdict of recent admin-path events (not persisted: findings cite events of the same batch). */
  private readonly recent: BoundedMap<PathVerdict>;
  private readonly knownMs: number;
  private readonly seqMs: number;
  private readonly trusted: Set<string>;

  constructor(private readonly cfg: AdminPathConfig) {
    this.edges = new BoundedMap(cfg.maxEdges);
    this.accounts = new BoundedMap(cfg.maxAccounts);
    this.hosts = new BoundedMap(cfg.maxEdges);
    this.recent = new BoundedMap(cfg.maxRecentEvents);
    this.knownMs = cfg.knownAfterHours * HOUR_MS;
    this.seqMs = cfg.sequenceMinutes * 60_000;
    this.trusted = new Set(cfg.sources.map((s) => shortHost(s)));
  }

  /** The verdict given to an event seen earlier, if it was an admin-path event. */
  verdictOf(originId: string): PathVerdict | undefined {
    return this.recent.get(originId);
  }

  observe(ev: Event): void {
    const host = hostKey(ev);
    if (!host) return;
    const t = timeMs(ev);
    const code = eventId(ev);
    if (code === 4624 && isSecurity(ev)) {
      this.onLogon(ev, host, t);
      return;
    }
    const state = this.hosts.get(host);
    if (!state) return;
    const exec = remoteExecutionOf(ev);
    if (exec) {
      const inbound = this.attribute(state, t, present(eventData(ev, 'SubjectUserName')));
      if (!inbound) return;
      this.mark(ev, inbound[1]);
      const binary = this.artifactBinary(ev, code);
      if (binary) {
        state.artifacts.push([t, binary, inbound[1]]);
        if (state.artifacts.length > MAX_PER_HOST) state.artifacts.shift();
      }
      return;
    }
    const inherited = this.inheritedVerdict(ev, state, t, code);
    if (inherited) this.mark(ev, inherited);
  }

  private onLogon(ev: Event, host: string, t: number): void {
    const lt = logonType(ev);
    if (lt !== 3 && lt !== 10) return;
    const user = targetUser(ev);
    if (!user || isServiceIdentity(user)) return;
    const account = userKey(user);
    const ip = sourceIp(ev);
    const ws = present(sourceWorkstation(ev));
    const source = ip && !isLoopback(ip) ? ip : ws ? shortHost(ws) : undefined;
    if (!source || source === host) return;
    const verdict = this.edgeVerdict(source, account, host, t, [source, ws ? shortHost(ws) : '']);
    this.mark(ev, verdict);
    const state = this.hosts.upsert(host, () => ({ inbound: [], artifacts: [] }));
    state.inbound.push([t, verdict, account]);
    if (state.inbound.length > MAX_PER_HOST) state.inbound.shift();
  }

  /** Verdict for one use of an edge, then learns from it. */
  private edgeVerdict(
    source: string,
    account: string,
    host: string,
    t: number,
    sources: string[],
  ): PathVerdict {
    const acct = this.accounts.upsert(account, () => ({ hours: 0 }));
    const hour = new Date(t).getUTCHours();
    const keys = [`${source}|${account}|${host}`, `${source}|${account}|*`, `${source}|*|${host}`];
    let verdict: PathVerdict;
    if (sources.some((s) => s !== '' && this.trusted.has(s))) verdict = 'known';
    else {
      const [edge, fromSource, hostPair] = keys.map((k) => this.isOld(k, t));
      // Peers: an account established on a source reaching a host that source's admins already administer.
      const known = edge || (this.cfg.shareAcrossAccounts && fromSource && hostPair);
      if (!known) verdict = 'new';
      else verdict = this.usualHour(acct.hours, hour) ? 'known' : 'unusual';
    }
    for (const k of keys) {
      const e = this.edges.upsert(k, () => ({ first: t, last: t, count: 0 }));
      e.first = Math.min(e.first, t);
      e.last = Math.max(e.last, t);
      e.count++;
    }
    acct.hours |= 1 << hour;
    return verdict;
  }

  private isOld(key: string, t: number): boolean {
    const e = this.edges.get(key);
    return e !== undefined && t - e.first >= this.knownMs;
  }

  private usualHour(mask: number, hour: number): boolean {
    for (let d = -this.cfg.hourToleranceHours; d <= this.cfg.hourToleranceHours; d++) {
      if (mask & (1 << ((((hour + d) % 24) + 24) % 24))) return true;
    }
    return false;
  }

  /** The latest inbound logon on the host within the sequence window (the acting account's, when named). */
  private attribute(state: HostState, t: number, actor: string | undefined): Inbound | undefined {
    const actorKey = actor && !isServiceIdentity(actor) ? userKey(actor) : undefined;
    let fallback: Inbound | undefined;
    for (let i = state.inbound.length - 1; i >= 0; i--) {
      const inbound = state.inbound[i];
      if (inbound[0] > t || inbound[0] < t - this.seqMs) continue;
      if (!actorKey || inbound[2] === actorKey) return inbound;
      fallback ??= inbound;
    }
    return actorKey ? undefined : fallback;
  }

  private artifactBinary(ev: Event, code: number | undefined): string | undefined {
    if (code === 7045 || code === 4697) {
      const image = present(eventData(ev, 'ImagePath') ?? eventData(ev, 'ServiceFileName'));
      return image ? imageBinary(image) : undefined;
    }
    if (code === 5145) {
      const target = present(eventData(ev, 'RelativeTargetName'));
      return target ? basename(target) : undefined;
    }
    return undefined;
  }

  /**
   * A binary an admin edge just put on the host (service image, file copied to ADMIN$) running under services.exe,
   * its pipes, or the System process writing it, belongs to the same edge. Anything else it starts does not.
   */
  private inheritedVerdict(
    ev: Event,
    state: HostState,
    t: number,
    code: number | undefined,
  ): PathVerdict | undefined {
    if (state.artifacts.length === 0) return undefined;
    const image = basename(
      present(ev.process?.executable ?? eventData(ev, 'NewProcessName') ?? eventData(ev, 'Image')) ?? '',
    );
    let binary: string | undefined;
    if ((isSysmon(ev) && code === 1) || (isSecurity(ev) && code === 4688)) {
      const parent = basename(
        present(
          ev.process?.parent?.executable ??
            eventData(ev, 'ParentImage') ??
            eventData(ev, 'ParentProcessName'),
        ) ?? '',
      );
      if (parent === 'services.exe') binary = image;
    } else if (isSysmon(ev) && (code === 17 || code === 18)) {
      binary = image;
    } else if (isSysmon(ev) && code === 11 && (image === 'system' || image === 'ntoskrnl.exe')) {
      binary = basename(present(ev.file?.path ?? eventData(ev, 'TargetFilename')) ?? '');
    }
    if (!binary) return undefined;
    for (let i = state.artifacts.length - 1; i >= 0; i--) {
      const a = state.artifacts[i];
      // The System write of a copied file comes just before its 5145 record; allow a little skew either way.
      if (a[1] === binary && Math.abs(t - a[0]) <= this.seqMs) return a[2];
    }
    return undefined;
  }

  private mark(ev: Event, verdict: PathVerdict): void {
    this.recent.upsert(ev.origin.id, () => verdict);
  }

  /** Account of the inbound logon an action on this host follows (7045 names no account of its own). */
  actorFor(ev: Event): string | undefined {
    const host = hostKey(ev);
    const state = host ? this.hosts.get(host) : undefined;
    return state
      ? this.attribute(state, timeMs(ev), present(eventData(ev, 'SubjectUserName')))?.[2]
      : undefined;
  }

  /** Drops per-host sequences older than the window before `t`. */
  expire(t: number): void {
    this.hosts.sweep((h) => {
      h.inbound = h.inbound.filter((i) => i[0] >= t - this.seqMs);
      h.artifacts = h.artifacts.filter((a) => a[0] >= t - this.seqMs);
      return h.inbound.length === 0 && h.artifacts.length === 0;
    });
  }

  snapshot(): unknown {
    return {
      edges: this.edges.toJSON(),
      accounts: this.accounts.toJSON(),
      hosts: this.hosts.toJSON(),
    };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.edges.load(s.edges, isEdge);
    this.accounts.load(s.accounts, isAccount);
    this.hosts.load(s.hosts, (v): v is HostState => {
      if (!isHostState(v)) return false;
      v.inbound = v.inbound.filter(
        (i): i is Inbound => Array.isArray(i) && typeof i[0] === 'number' && isVerdict(i[1]),
      );
      v.artifacts = v.artifacts.filter(
        (a): a is Artifact => Array.isArray(a) && typeof a[0] === 'number' && isVerdict(a[2]),
      );
      return true;
    });
  }
}
