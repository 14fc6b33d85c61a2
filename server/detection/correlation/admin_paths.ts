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
 * - `known`: a known edge in the usual hours of the account, its source or its destination - findings that only
 *   cite such events are repeats of everyday administration;
 * - `practice`: a new destination reached from an established admin source (one that has administered several
 *   hosts for a while: a jump host) by an account that used or logged on to that source before, in an hour the
 *   source usually works in - learned admin practice, dropped like `known` but counted apart.
 * Each verdict comes with its edge (source host, account, destination) so findings about one burst of remote
 * activity can be grouped (see bursts.ts).
 * State: edges (first/last seen), per-account and per-host hour-of-day masks, the hosts each source administers,
 * accounts seen on each host, per-host recent inbound logons and IP -> host names, all bounded.
 */

/** PsExec-style remote execution services (basenames): the processes they start are the remote operator's commands. */
const REMOTE_EXEC_SERVICE = /^(psexesvc|remcomsvc|csexecsvc|winexesvc|paexec[^\\]*)\.exe$/;

export type PathVerdict = 'new' | 'unusual' | 'known' | 'practice';

/** [verdict, source host (name when known, else IP), account, destination host] of an admin-path event. */
export type PathMark = [PathVerdict, string, string, string];

interface EdgeState {
  first: number;
  last: number;
  count: number;
}

interface AccountState {
  /** Bit h set: the account used an admin edge at hour h (UTC). */
  hours: number;
}

/** What a host does as an admin source and destination. */
interface PracticeState {
  /** First time this host administered another (0: never). */
  first: number;
  /**
   * Distinct hosts it administered - RDP sessions or remote execution, not file-share access, which every
   * workstation does - kept up to `practiceMinDestinations`.
   */
  dests: string[];
  /** Hour-of-day masks (UTC) of its outbound and inbound admin edges. */
  out: number;
  in: number;
}

/** [time, verdict, account, source host] of an inbound logon; [time, binary basename, mark] of an artifact it left. */
type Inbound = [number, PathVerdict, string, string];
type Artifact = [number, string, PathMark];

interface HostState {
  inbound: Inbound[];
  artifacts: Artifact[];
}

const MAX_PER_HOST = 20;
/** SMB, RDP, WinRM, RPC endpoint mapper: the ports remote administration (and lateral movement) goes over. */
const ADMIN_PORTS = new Set([445, 139, 3389, 5985, 5986, 135]);
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
  return v === 'new' || v === 'unusual' || v === 'known' || v === 'practice';
}
function isPractice(v: unknown): v is PracticeState {
  return (
    isRecord(v) &&
    typeof v.first === 'number' &&
    Array.isArray(v.dests) &&
    typeof v.out === 'number' &&
    typeof v.in === 'number'
  );
}
function isMark(v: unknown): v is PathMark {
  return (
    Array.isArray(v) && v.length === 4 && isVerdict(v[0]) && v.slice(1).every((x) => typeof x === 'string')
  );
}
const isNumber = (v: unknown): v is number => typeof v === 'number';
const isString = (v: unknown): v is string => typeof v === 'string';

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
  /**
   * origin id -> mark of recent admin-path events. Persisted: windowed findings (thresholds, logon-then-execute)
   * cite events of earlier batches, and a restart must judge them as an uninterrupted run would.
   */
  private readonly recent: BoundedMap<PathMark>;
  private readonly practice: BoundedMap<PracticeState>;
  /** `account|host` -> first time the account logged on to or administered from the host. */
  private readonly accountOn: BoundedMap<number>;
  /** IP -> host name, learned from the logons each host records (sources appear as IPs in 4624). */
  private readonly ipHost: BoundedMap<string>;
  private readonly knownMs: number;
  private readonly seqMs: number;
  private readonly trusted: Set<string>;

  constructor(private readonly cfg: AdminPathConfig) {
    this.edges = new BoundedMap(cfg.maxEdges);
    this.accounts = new BoundedMap(cfg.maxAccounts);
    this.hosts = new BoundedMap(cfg.maxEdges);
    this.recent = new BoundedMap(cfg.maxRecentEvents);
    this.practice = new BoundedMap(cfg.maxEdges);
    this.accountOn = new BoundedMap(cfg.maxEdges);
    this.ipHost = new BoundedMap(cfg.maxEdges);
    this.knownMs = cfg.knownAfterHours * HOUR_MS;
    this.seqMs = cfg.sequenceMinutes * 60_000;
    this.trusted = new Set(cfg.sources.map((s) => shortHost(s)));
  }

  /** The verdict given to an event seen earlier, if it was an admin-path event. */
  verdictOf(originId: string): PathVerdict | undefined {
    return this.recent.get(originId)?.[0];
  }

  /** Verdict and edge of an event seen earlier, if it was an admin-path event. */
  markOf(originId: string): PathMark | undefined {
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
    if (code === 3 && isSysmon(ev)) {
      this.onConnection(ev, host, t);
      return;
    }
    const state = this.hosts.get(host);
    if (!state) return;
    const exec = remoteExecutionOf(ev);
    if (exec) {
      const inbound = this.attribute(state, t, present(eventData(ev, 'SubjectUserName')));
      if (!inbound) return;
      const mark: PathMark = [inbound[1], inbound[3], inbound[2], host];
      this.mark(ev, mark);
      this.recordAdmin(inbound[3], inbound[2], host, t);
      const binary = this.artifactBinary(ev, code);
      if (binary) {
        state.artifacts.push([t, binary, mark]);
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
    const ownIp = ev.host?.ip?.[0];
    if (ownIp && this.ipHost.get(ownIp) !== host) this.ipHost.upsert(ownIp, () => host);
    const srcHost = (ip && this.ipHost.get(ip)) ?? (ws ? shortHost(ws) : source);
    if (srcHost === host) return;
    const verdict = this.edgeVerdict(source, srcHost, account, host, t, [source, ws ? shortHost(ws) : '']);
    this.mark(ev, [verdict, srcHost, account, host]);
    if (lt === 10) this.recordAdmin(srcHost, account, host, t);
    const state = this.hosts.upsert(host, () => ({ inbound: [], artifacts: [] }));
    state.inbound.push([t, verdict, account, srcHost]);
    if (state.inbound.length > MAX_PER_HOST) state.inbound.shift();
  }

  /**
   * The source side of a hop (Sysmon 3 to SMB/RDP/WinRM/RPC): marked with the verdict the edge would get, without
   * learning from it (the logon on the destination does), so logon-graph findings citing these events are judged
   * like the logons themselves.
   */
  private onConnection(ev: Event, host: string, t: number): void {
    const port = ev.destination?.port ?? Number(eventData(ev, 'DestinationPort'));
    if (!ADMIN_PORTS.has(port)) return;
    if ((eventData(ev, 'Initiated') ?? 'true').toLowerCase() !== 'true') return;
    const dstIp = present(ev.destination?.ip ?? eventData(ev, 'DestinationIp'));
    const user = present(ev.user?.name ?? eventData(ev, 'User'));
    if (!dstIp || isLoopback(dstIp) || !user || isServiceIdentity(user)) return;
    const account = userKey(user);
    const dst = this.ipHost.get(dstIp) ?? dstIp;
    const ownIp = ev.host?.ip?.[0] ?? present(ev.source?.ip ?? eventData(ev, 'SourceIp')) ?? host;
    let verdict: PathVerdict;
    if (this.trusted.has(ownIp) || this.trusted.has(host)) verdict = 'known';
    else if (this.isOld(`${ownIp}|${account}|${dst}`, t)) verdict = 'known';
    else {
      const src = this.practice.get(host);
      const hour = new Date(t).getUTCHours();
      verdict =
        src && this.isPractice(src, host, account, t) && this.usualHour(src.out, hour) ? 'practice' : 'new';
    }
    this.mark(ev, [verdict, host, account, dst]);
  }

  /** Verdict for one use of an edge, then learns from it. */
  private edgeVerdict(
    source: string,
    srcHost: string,
    account: string,
    host: string,
    t: number,
    sources: string[],
  ): PathVerdict {
    const acct = this.accounts.upsert(account, () => ({ hours: 0 }));
    const hour = new Date(t).getUTCHours();
    const keys = [`${source}|${account}|${host}`, `${source}|${account}|*`, `${source}|*|${host}`];
    const src = this.practice.upsert(srcHost, () => ({ first: 0, dests: [], out: 0, in: 0 }));
    const dst = this.practice.upsert(host, () => ({ first: 0, dests: [], out: 0, in: 0 }));
    let verdict: PathVerdict;
    if (sources.some((s) => s !== '' && this.trusted.has(s))) verdict = 'known';
    else {
      const [edge, fromSource, hostPair] = keys.map((k) => this.isOld(k, t));
      // Peers: an account established on a source reaching a host that source's admins already administer.
      const known = edge || (this.cfg.shareAcrossAccounts && fromSource && hostPair);
      if (known) {
        const usual =
          this.usualHour(acct.hours, hour) || this.usualHour(src.out, hour) || this.usualHour(dst.in, hour);
        verdict = usual ? 'known' : 'unusual';
      } else if (this.isPractice(src, srcHost, account, t) && this.usualHour(src.out, hour)) {
        verdict = 'practice';
      } else verdict = 'new';
    }
    for (const k of keys) {
      const e = this.edges.upsert(k, () => ({ first: t, last: t, count: 0 }));
      e.first = Math.min(e.first, t);
      e.last = Math.max(e.last, t);
      e.count++;
    }
    acct.hours |= 1 << hour;
    src.out |= 1 << hour;
    dst.in |= 1 << hour;
    // The account logged on to `host`: from there on it is an account that works on it.
    this.accountOn.upsert(`${account}|${host}`, () => t);
    return verdict;
  }

  /** `srcHost` administered `host` as `account` (an RDP session, or remote execution after the logon). */
  private recordAdmin(srcHost: string, account: string, host: string, t: number): void {
    const src = this.practice.upsert(srcHost, () => ({ first: 0, dests: [], out: 0, in: 0 }));
    if (src.first === 0 || t < src.first) src.first = t;
    if (src.dests.length < this.cfg.practiceMinDestinations && !src.dests.includes(host))
      src.dests.push(host);
    this.accountOn.upsert(`${account}|${srcHost}`, () => t);
  }

  /**
   * An established admin source (several hosts administered, for at least `knownAfterHours`) used by an account that
   * was on it before this sequence: everyday work from a jump host, even to a destination it never reached before.
   */
  private isPractice(src: PracticeState, srcHost: string, account: string, t: number): boolean {
    if (!this.cfg.learnPractice) return false;
    if (
      src.first === 0 ||
      src.dests.length < this.cfg.practiceMinDestinations ||
      t - src.first < this.knownMs
    )
      return false;
    const since = this.accountOn.get(`${account}|${srcHost}`);
    return since !== undefined && since <= t - this.seqMs;
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
   * its pipes, or the System process writing it, belongs to the same edge; so do the commands a PsExec-style service
   * binary starts (they are what the edge ran). Anything else the binary starts does not.
   */
  private inheritedVerdict(
    ev: Event,
    state: HostState,
    t: number,
    code: number | undefined,
  ): PathMark | undefined {
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
      else if (REMOTE_EXEC_SERVICE.test(parent)) binary = parent;
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

  private mark(ev: Event, mark: PathMark): void {
    this.recent.upsert(ev.origin.id, () => mark);
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
      practice: this.practice.toJSON(),
      accountOn: this.accountOn.toJSON(),
      ipHost: this.ipHost.toJSON(),
      recent: this.recent.toJSON(),
    };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.edges.load(s.edges, isEdge);
    this.accounts.load(s.accounts, isAccount);
    this.hosts.load(s.hosts, (v): v is HostState => {
      if (!isHostState(v)) return false;
      v.inbound = v.inbound.filter(
        (i): i is Inbound =>
          Array.isArray(i) && typeof i[0] === 'number' && isVerdict(i[1]) && typeof i[3] === 'string',
      );
      v.artifacts = v.artifacts.filter(
        (a): a is Artifact => Array.isArray(a) && typeof a[0] === 'number' && isMark(a[2]),
      );
      return true;
    });
    this.practice.load(s.practice, isPractice);
    this.accountOn.load(s.accountOn, isNumber);
    this.ipHost.load(s.ipHost, isString);
    this.recent.load(s.recent, isMark);
  }
}
