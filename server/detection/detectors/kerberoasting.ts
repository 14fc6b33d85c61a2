import type { Event } from '../../../common/event';
import type { KerberoastingConfig } from '../config';
import type { Finding } from '../types';
import { BoundedMap, isRecord } from './bounded_map';
import type { Detector } from './types';
import {
  capEvidence,
  clampRisk,
  eventData,
  eventId,
  hostName,
  isSecurity,
  minutes,
  present,
  severityFor,
  sourceIp,
  targetUser,
  timeMs,
  userKey,
} from './event_fields';

/**
 * Kerberoasting volume (T1558.003): one account requesting RC4-encrypted service tickets (4769, encryption type
 * 0x17/0x18) for many distinct service principals within a window. A single RC4 ticket is a weak signal (legacy
 * services still use RC4); a burst across many SPNs is what Rubeus/GetUserSPNs produce.
 */

export const KERBEROASTING_RULE_ID = 'apt.behaviour.kerberoasting';

const RC4_TYPES = new Set(['0x17', '0x18', '23', '24']);

/** [time ms, service name, host (DC), source ip, evidence id, location]. */
type Request = [number, string, string, string, string, string];

interface AccountState {
  requests: Request[];
  quietUntil: number;
}

/** The RC4 service-ticket request an event describes, or undefined. */
export function rc4ServiceTicket(ev: Event): { account: string; service: string } | undefined {
  if (eventId(ev) !== 4769 || !isSecurity(ev)) return undefined;
  const enc = present(eventData(ev, 'TicketEncryptionType'))?.toLowerCase();
  if (!enc || !RC4_TYPES.has(enc)) return undefined;
  const status = present(eventData(ev, 'Status'))?.toLowerCase();
  if (status !== undefined && status !== '0x0' && status !== '0') return undefined;
  const service = present(eventData(ev, 'ServiceName') ?? ev.service?.name);
  const account = targetUser(ev);
  if (!service || !account) return undefined;
  const svc = service.toLowerCase();
  // Tickets for the TGS itself and for computer accounts are routine.
  if (svc === 'krbtgt' || svc.startsWith('krbtgt/') || svc.endsWith('$')) return undefined;
  return { account: userKey(account), service: svc };
}

function isRequest(v: unknown): v is Request {
  return Array.isArray(v) && v.length === 6 && typeof v[0] === 'number' && typeof v[1] === 'string';
}

function isAccountState(v: unknown): v is AccountState {
  return (
    isRecord(v) &&
    Array.isArray(v.requests) &&
    v.requests.every(isRequest) &&
    typeof v.quietUntil === 'number'
  );
}

export class KerberoastingDetector implements Detector {
  readonly id = KERBEROASTING_RULE_ID;
  private readonly accounts: BoundedMap<AccountState>;
  private readonly windowMs: number;
  private latest = 0;

  constructor(
    private readonly cfg: KerberoastingConfig,
    private readonly maxEvidence = 20,
  ) {
    this.accounts = new BoundedMap(cfg.maxAccounts);
    this.windowMs = minutes(cfg.windowMinutes);
  }

  observe(ev: Event): Finding[] {
    const req = rc4ServiceTicket(ev);
    if (!req) return [];
    const t = timeMs(ev);
    if (t > this.latest) this.latest = t;
    const state = this.accounts.upsert(req.account, () => ({ requests: [], quietUntil: 0 }));
    const cutoff = t - this.windowMs;
    while (state.requests.length > 0 && state.requests[0][0] < cutoff) state.requests.shift();
    state.requests.push([
      t,
      req.service,
      hostName(ev) ?? '',
      sourceIp(ev) ?? '',
      ev.origin.id,
      ev.origin.location,
    ]);
    if (state.requests.length > this.cfg.maxSpnsPerAccount) state.requests.shift();

    const spns = new Set(state.requests.map((r) => r[1]));
    if (spns.size < this.cfg.distinctSpns || t < state.quietUntil) return [];
    state.quietUntil = t + this.windowMs;
    const r = state.requests;
    const sources = new Set(r.map((x) => x[3]).filter((s) => s !== ''));
    const dcs = new Set(r.map((x) => x[2]).filter((s) => s !== ''));
    const risk = clampRisk(60 + Math.min(30, 6 * Math.log2(spns.size / this.cfg.distinctSpns + 1)));
    const list = [...spns].slice(0, 4).join(', ');
    return [
      {
        ruleId: KERBEROASTING_RULE_ID,
        ruleName: 'Kerberoasting: RC4 service tickets for many SPNs',
        detector: 'behaviour',
        techniqueIds: ['T1558.003'],
        severity: severityFor(risk),
        riskScore: risk,
        explanation:
          `Account ${req.account} requested RC4-encrypted service tickets for ${spns.size} different services ` +
          `(${list}${spns.size > 4 ? ', ...' : ''}) within ${this.cfg.windowMinutes} minutes` +
          `${sources.size ? ` from ${[...sources].slice(0, 2).join(', ')}` : ''}, the pattern of Kerberoasting.`,
        host: dcs.size === 1 ? [...dcs][0] : undefined,
        user: req.account,
        firstSeen: new Date(r[0][0]).toISOString(),
        lastSeen: new Date(r[r.length - 1][0]).toISOString(),
        evidence: capEvidence(
          r.map((x) => ({
            id: x[4],
            location: x[5],
            timestamp: new Date(x[0]).toISOString(),
            summary: `4769 RC4 service ticket for ${x[1]}${x[3] ? ` from ${x[3]}` : ''}`,
          })),
          this.maxEvidence,
        ),
      },
    ];
  }

  flush(now?: string): Finding[] {
    const t = now ? Date.parse(now) : this.latest;
    const cutoff = t - this.windowMs;
    this.accounts.sweep((s) => {
      s.requests = s.requests.filter((r) => r[0] >= cutoff);
      return s.requests.length === 0 && s.quietUntil <= t;
    });
    return [];
  }

  snapshot(): unknown {
    return { latest: this.latest, accounts: this.accounts.toJSON() };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.latest = typeof s.latest === 'number' ? s.latest : 0;
    this.accounts.load(s.accounts, isAccountState);
  }
}
