import type { Event } from '../../../common/event';
import type { BeaconingConfig } from '../config';
import type { Finding } from '../types';
import { BoundedMap, isRecord } from './bounded_map';
import type { Detector } from './types';
import {
  basename,
  capEvidence,
  clampRisk,
  eventId,
  hostKey,
  hostName,
  isPrivateIp,
  isSecurity,
  isSysmon,
  matchesDomain,
  minutes,
  severityFor,
  timeMs,
} from './event_fields';

/**
 * Command-and-control beaconing (T1071.001): one process on one host connecting to the same external destination
 * over and over at a steady interval. Implants sleep a fixed time plus a little jitter between check-ins; people
 * browse in bursts and most software that polls does so towards destinations the whole fleet talks to. So a channel
 * (host, process image, destination) is scored when, inside the window:
 * - it made at least `minConnections` connections,
 * - the median gap between them lies in [minIntervalSeconds, maxIntervalSeconds],
 * - the gaps are regular: median absolute deviation / median <= `maxJitter` (uniform ±40 % jitter gives 0.2,
 *   Poisson-like human traffic about 0.7) and largest / smallest gap <= `maxGapSpread`,
 * - the destination is rare in the organisation: fewer than `maxPrevalenceHosts` hosts reached it in the window,
 * - and the destination is not allow-listed (suffix match on the host name).
 * The same regularity test is what RITA and Elastic's beaconing jobs use; prevalence is what keeps fleet-wide
 * pollers (updaters, telemetry, mail clients) quiet.
 */

export const BEACONING_RULE_ID = 'apt.behaviour.beaconing';

/** Vendor and fleet-management destinations that poll at fixed intervals by design. Added to `allowDomains`. */
const BUILTIN_ALLOW = [
  'microsoft.com',
  'windowsupdate.com',
  'windows.com',
  'office.com',
  'office365.com',
  'live.com',
  'msftconnecttest.com',
  'digicert.com',
  'google.com',
  'gstatic.com',
  'googleapis.com',
];

/** [time ms, evidence id, location]. */
type Ref = [number, string, string];

/**
 * One (host, process, destination) channel. Only the check-in times are kept for the whole window; evidence
 * references only for the most recent check-ins (a finding cites those), because most channels never fire and a
 * reference per connection was the bulk of this detector's memory.
 */
interface ChannelState {
  host: string;
  image: string;
  destination: string;
  ip: string;
  port: number;
  times: number[];
  refs: Ref[];
  quietUntil: number;
}

/** [host, last seen ms] per host that reached a destination. */
type Reach = Array<[string, number]>;

function isRef(v: unknown): v is Ref {
  return Array.isArray(v) && v.length === 3 && typeof v[0] === 'number' && typeof v[1] === 'string';
}

function isChannelState(v: unknown): v is ChannelState {
  return (
    isRecord(v) &&
    typeof v.host === 'string' &&
    typeof v.image === 'string' &&
    typeof v.destination === 'string' &&
    typeof v.ip === 'string' &&
    typeof v.port === 'number' &&
    Array.isArray(v.times) &&
    v.times.every((x) => typeof x === 'number') &&
    Array.isArray(v.refs) &&
    v.refs.every(isRef) &&
    typeof v.quietUntil === 'number'
  );
}

function isReach(v: unknown): v is Reach {
  return (
    Array.isArray(v) &&
    v.every((x) => Array.isArray(x) && x.length === 2 && typeof x[0] === 'string' && typeof x[1] === 'number')
  );
}

/** An outbound connection to a public address: Sysmon 3 (initiated) or WFP 5156. */
export function outboundConnection(
  ev: Event,
): { host: string; image: string; ip: string; port: number; destination: string } | undefined {
  const id = eventId(ev);
  if (!((id === 3 && isSysmon(ev)) || (id === 5156 && isSecurity(ev)))) return undefined;
  const ip = ev.destination?.ip;
  if (!ip || isPrivateIp(ip)) return undefined;
  const dir = ev.network?.direction;
  if (dir === 'inbound' || dir === 'internal') return undefined;
  const host = hostKey(ev);
  if (!host) return undefined;
  const exe = ev.process?.executable ?? ev.process?.name;
  const image = exe ? basename(exe) : '';
  const domain = ev.destination?.domain?.toLowerCase();
  return {
    host,
    image,
    ip,
    port: ev.destination?.port ?? 0,
    destination: domain && domain !== '-' ? domain : ip,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Median gap, its relative median absolute deviation, and the spread (largest / smallest gap, ignoring the largest
 * once there are 8+ gaps: a missed check-in doubles one gap). A jittered timer keeps every gap inside
 * [1-j, 1+j] x its interval, so its spread stays small (±40 % jitter: at most 2.3); a handful of random gaps can
 * happen to have a small deviation by chance, but not also a small spread.
 */
export function regularity(
  times: readonly number[],
): { medianGapMs: number; jitter: number; spread: number } | undefined {
  if (times.length < 3) return undefined;
  const gaps: number[] = [];
  for (let i = 1; i < times.length; i++) gaps.push(times[i] - times[i - 1]);
  const med = median(gaps);
  if (med <= 0) return undefined;
  const mad = median(gaps.map((g) => Math.abs(g - med)));
  const sorted = gaps.sort((a, b) => a - b);
  const top = sorted[sorted.length >= 8 ? sorted.length - 2 : sorted.length - 1];
  const spread = sorted[0] > 0 ? top / sorted[0] : Infinity;
  return { medianGapMs: med, jitter: mad / med, spread };
}

function humanInterval(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export class BeaconingDetector implements Detector {
  readonly id = BEACONING_RULE_ID;
  private readonly channels: BoundedMap<ChannelState>;
  private readonly reach: BoundedMap<Reach>;
  private readonly windowMs: number;
  private readonly allow: string[];
  /** Evidence references kept per channel: what a finding cites. */
  private readonly refsKept: number;
  private latest = 0;

  constructor(
    private readonly cfg: BeaconingConfig,
    private readonly maxEvidence = 20,
  ) {
    this.channels = new BoundedMap(cfg.maxChannels);
    this.reach = new BoundedMap(cfg.maxDestinations);
    this.windowMs = minutes(cfg.windowHours * 60);
    this.allow = [...BUILTIN_ALLOW, ...cfg.allowDomains].map((d) => d.toLowerCase());
    this.refsKept = Math.max(2, Math.min(maxEvidence, cfg.minConnections));
  }

  /** Hosts that reached `destination` inside the window (including `host` now), counted up to a few past the cap. */
  private prevalence(destination: string, host: string, t: number): number {
    const r = this.reach.upsert(destination, () => []);
    const cutoff = t - this.windowMs;
    let kept = 0;
    let mine = false;
    for (const e of r) {
      if (e[0] === host) {
        e[1] = t;
        mine = true;
      }
      if (e[1] >= cutoff) r[kept++] = e;
    }
    r.length = kept;
    // Only the count up to the threshold matters, so a fleet-wide destination keeps a short list.
    if (!mine && r.length <= this.cfg.maxPrevalenceHosts) r.push([host, t]);
    return r.length;
  }

  observe(ev: Event): Finding[] {
    const c = outboundConnection(ev);
    if (!c) return [];
    const t = timeMs(ev);
    if (t > this.latest) this.latest = t;
    if (matchesDomain(c.destination, this.allow)) return [];
    const prevalence = this.prevalence(c.destination, c.host, t);
    const key = `${c.host}\u0000${c.image}\u0000${c.destination}`;
    // A destination much of the fleet talks to is not scored: no channel state for it at all.
    if (prevalence >= this.cfg.maxPrevalenceHosts) {
      this.channels.delete(key);
      return [];
    }
    const s = this.channels.upsert(key, () => ({
      host: hostName(ev) ?? c.host,
      image: c.image,
      destination: c.destination,
      ip: c.ip,
      port: c.port,
      times: [],
      refs: [],
      quietUntil: 0,
    }));
    const cutoff = t - this.windowMs;
    while (s.times.length > 0 && s.times[0] < cutoff) s.times.shift();
    // Several sockets in the same second are one check-in (HTTP clients open more than one).
    const last = s.times[s.times.length - 1];
    if (last !== undefined && t - last < 1000) return [];
    s.times.push(t);
    if (s.times.length > this.cfg.maxConnectionsPerChannel) s.times.shift();
    s.refs.push([t, ev.origin.id, ev.origin.location]);
    if (s.refs.length > this.refsKept) s.refs.shift();
    if (s.times.length < this.cfg.minConnections || t < s.quietUntil) return [];
    const reg = regularity(s.times);
    if (!reg) return [];
    const gapS = reg.medianGapMs / 1000;
    if (gapS < this.cfg.minIntervalSeconds || gapS > this.cfg.maxIntervalSeconds) return [];
    if (reg.jitter > this.cfg.maxJitter || reg.spread > this.cfg.maxGapSpread) return [];
    s.quietUntil = t + this.windowMs;
    return [this.finding(s, reg, prevalence)];
  }

  private finding(
    s: ChannelState,
    reg: { medianGapMs: number; jitter: number },
    prevalence: number,
  ): Finding {
    const n = s.times.length;
    // More check-ins and steadier gaps: more confidence it is a timer, not a coincidence.
    const risk = clampRisk(
      55 +
        Math.min(15, 6 * Math.log2(n / this.cfg.minConnections + 1)) +
        20 * (1 - reg.jitter / this.cfg.maxJitter),
    );
    const proc = s.image || 'an unknown process';
    const dest = s.destination === s.ip ? s.ip : `${s.destination} (${s.ip})`;
    return {
      ruleId: BEACONING_RULE_ID,
      ruleName: 'C2 beaconing: regular connections to a rare external destination',
      detector: 'behaviour',
      techniqueIds: ['T1071.001'],
      severity: severityFor(risk),
      riskScore: risk,
      explanation:
        `${proc} on ${s.host} connected to ${dest}${s.port ? ` port ${s.port}` : ''} ${n} times about every ` +
        `${humanInterval(reg.medianGapMs)} (gaps vary by only ${Math.round(reg.jitter * 100)}%), a destination ` +
        `${prevalence <= 1 ? 'no other host' : `only ${prevalence - 1} other host(s)`} contacted: the steady ` +
        `check-in of a command-and-control implant.`,
      host: s.host,
      firstSeen: new Date(s.times[0]).toISOString(),
      lastSeen: new Date(s.times[n - 1]).toISOString(),
      evidence: capEvidence(
        s.refs.map((h) => ({
          id: h[1],
          location: h[2],
          timestamp: new Date(h[0]).toISOString(),
          summary: `connection from ${proc} to ${dest}`,
        })),
        this.maxEvidence,
      ),
    };
  }

  flush(now?: string): Finding[] {
    const t = now ? Date.parse(now) : this.latest;
    const cutoff = t - this.windowMs;
    this.channels.sweep((s) => {
      while (s.times.length > 0 && s.times[0] < cutoff) s.times.shift();
      while (s.refs.length > 0 && s.refs[0][0] < cutoff) s.refs.shift();
      return s.times.length === 0 && s.quietUntil <= t;
    });
    this.reach.sweep((r) => {
      const kept = r.filter((e) => e[1] >= cutoff);
      r.length = 0;
      r.push(...kept);
      return r.length === 0;
    });
    return [];
  }

  snapshot(): unknown {
    return { latest: this.latest, channels: this.channels.toJSON(), reach: this.reach.toJSON() };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.latest = typeof s.latest === 'number' ? s.latest : 0;
    this.channels.load(s.channels, isChannelState);
    this.reach.load(s.reach, isReach);
  }
}
