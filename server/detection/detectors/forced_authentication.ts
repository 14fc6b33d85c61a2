import type { Event } from '../../../common/event';
import type { ForcedAuthenticationConfig } from '../config';
import type { Finding } from '../types';
import { BoundedMap, isRecord } from './bounded_map';
import type { Detector } from './types';
import {
  capEvidence,
  eventId,
  hostName,
  isLoopback,
  isSysmon,
  present,
  severityFor,
  timeMs,
} from './event_fields';

/**
 * Coerced authentication (T1187, Forced Authentication): a peer opens an SMB session to a host, and within seconds
 * the host's kernel (the `System` process, which owns SMB client connections) connects back to that same peer on
 * port 445. That is what PrinterBug/SpoolSample (MS-RPRN), PetitPotam (MS-EFSR) and their kin make a victim do: the
 * call over the inbound session tells the victim to open a file on the attacker's host, so the victim's machine
 * account authenticates to the attacker, who relays it or captures its ticket (often a domain controller's).
 * Ordinary SMB is one-way: clients reach file servers, file servers do not call their clients back seconds later.
 * Print servers sending change notifications do, so they can be allow-listed.
 *
 * Reads Sysmon 3 (network connection) events of `System` only.
 */

export const FORCED_AUTH_RULE_ID = 'apt.behaviour.forced_authentication';

const SMB_PORT = 445;

/** [time ms, evidence id, location] of the latest inbound SMB session from a peer. */
type Inbound = [number, string, string];

interface HostState {
  /** Peer address -> its latest inbound SMB session to this host. */
  inbound: Record<string, Inbound>;
  /** Peer address -> event time before which another call-back from this host to it is not reported again. */
  quietUntil: Record<string, number>;
}

export interface SmbConnection {
  direction: 'inbound' | 'outbound';
  peer: string;
}

/** The SMB connection of the kernel an event records (Sysmon 3 of `System`, port 445), or undefined. */
export function kernelSmbConnection(ev: Event): SmbConnection | undefined {
  if (eventId(ev) !== 3 || !isSysmon(ev)) return undefined;
  const image = (present(ev.process?.executable) ?? present(ev.process?.name) ?? '').toLowerCase();
  if (image !== 'system' && ev.process?.pid !== 4) return undefined;
  const sip = present(ev.source?.ip);
  const dip = present(ev.destination?.ip);
  if (!sip || !dip) return undefined;
  const sport = Number(ev.source?.port);
  const dport = Number(ev.destination?.port);
  const direction = ev.network?.direction;
  let c: SmbConnection | undefined;
  if (direction === 'outbound' && dport === SMB_PORT) c = { direction: 'outbound', peer: dip };
  else if (direction === 'inbound') {
    // Sysmon names the local end `source` on some versions and `destination` on others for accepted
    // connections; the end on port 445 is this host's SMB server either way.
    if (sport === SMB_PORT && dport !== SMB_PORT) c = { direction: 'inbound', peer: dip };
    else if (dport === SMB_PORT && sport !== SMB_PORT) c = { direction: 'inbound', peer: sip };
  }
  if (!c || isLoopback(c.peer)) return undefined;
  return c;
}

function isInbound(v: unknown): v is Inbound {
  return Array.isArray(v) && v.length === 3 && typeof v[0] === 'number' && typeof v[1] === 'string';
}

function isHostState(v: unknown): v is HostState {
  return (
    isRecord(v) &&
    isRecord(v.inbound) &&
    Object.values(v.inbound).every(isInbound) &&
    isRecord(v.quietUntil) &&
    Object.values(v.quietUntil).every((x) => typeof x === 'number')
  );
}

export class ForcedAuthenticationDetector implements Detector {
  readonly id = FORCED_AUTH_RULE_ID;
  private readonly hosts: BoundedMap<HostState>;
  private readonly windowMs: number;
  private readonly allowHosts: Set<string>;
  private latest = 0;

  constructor(
    private readonly cfg: ForcedAuthenticationConfig,
    private readonly maxEvidence = 20,
  ) {
    this.hosts = new BoundedMap(cfg.maxHosts);
    this.windowMs = cfg.windowSeconds * 1000;
    this.allowHosts = new Set(cfg.allowHosts.map((h) => h.toLowerCase()));
  }

  observe(ev: Event): Finding[] {
    const c = kernelSmbConnection(ev);
    if (!c) return [];
    const host = hostName(ev);
    if (!host || this.allowHosts.has(host.toLowerCase())) return [];
    const t = timeMs(ev);
    if (t > this.latest) this.latest = t;
    const key = host.toLowerCase();
    if (c.direction === 'inbound') {
      const state = this.hosts.upsert(key, () => ({ inbound: {}, quietUntil: {} }));
      state.inbound[c.peer] = [t, ev.origin.id, ev.origin.location];
      this.trim(state, t);
      return [];
    }
    const state = this.hosts.get(key);
    const first = state?.inbound[c.peer];
    if (!state || !first) return [];
    const gap = t - first[0];
    if (gap < 0 || gap > this.windowMs || t < (state.quietUntil[c.peer] ?? 0)) return [];
    state.quietUntil[c.peer] = t + this.cfg.quietMinutes * 60_000;
    const risk = 72;
    const seconds = Math.max(0, Math.round(gap / 100) / 10);
    return [
      {
        ruleId: FORCED_AUTH_RULE_ID,
        ruleName: 'Coerced authentication: SMB call-back to the peer that just connected',
        detector: 'behaviour',
        techniqueIds: ['T1187'],
        severity: severityFor(risk),
        riskScore: risk,
        explanation:
          `${c.peer} opened an SMB session to ${host} and ${seconds} s later ${host}'s System process connected ` +
          `back to ${c.peer} on port 445: the call-back that PrinterBug/SpoolSample or PetitPotam force, which ` +
          `hands ${host}'s machine-account authentication to ${c.peer} to relay or capture.`,
        host,
        firstSeen: new Date(first[0]).toISOString(),
        lastSeen: new Date(t).toISOString(),
        evidence: capEvidence(
          [
            {
              id: first[1],
              location: first[2],
              timestamp: new Date(first[0]).toISOString(),
              summary: `inbound SMB session from ${c.peer}`,
            },
            {
              id: ev.origin.id,
              location: ev.origin.location,
              timestamp: new Date(t).toISOString(),
              summary: `System connected to ${c.peer}:445`,
            },
          ],
          this.maxEvidence,
        ),
      },
    ];
  }

  flush(now?: string): Finding[] {
    const t = now ? Date.parse(now) : this.latest;
    this.hosts.sweep((s) => {
      this.trim(s, t);
      return Object.keys(s.inbound).length === 0 && Object.keys(s.quietUntil).length === 0;
    });
    return [];
  }

  snapshot(): unknown {
    return { latest: this.latest, hosts: this.hosts.toJSON() };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.latest = typeof s.latest === 'number' ? s.latest : 0;
    this.hosts.load(s.hosts, isHostState);
  }

  /** Drops inbound sessions too old to be answered and quiet periods that ended; bounds the peers per host. */
  private trim(s: HostState, t: number): void {
    for (const [peer, v] of Object.entries(s.inbound)) if (t - v[0] > this.windowMs) delete s.inbound[peer];
    for (const [peer, until] of Object.entries(s.quietUntil)) if (until <= t) delete s.quietUntil[peer];
    const peers = Object.keys(s.inbound);
    if (peers.length > this.cfg.maxPeersPerHost)
      for (const p of peers.slice(0, peers.length - this.cfg.maxPeersPerHost)) delete s.inbound[p];
  }
}
