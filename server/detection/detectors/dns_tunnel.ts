import type { Event } from '../../../common/event';
import type { DnsTunnelConfig } from '../config';
import type { EvidenceRef, Finding } from '../types';
import { BoundedMap, isRecord } from './bounded_map';
import type { Detector } from './types';
import {
  capEvidence,
  clampRisk,
  eventData,
  eventId,
  hostName,
  isDomainOrSubdomain,
  isSubdomainOf,
  isSysmon,
  minutes,
  present,
  severityFor,
  timeMs,
} from './event_fields';

/**
 * DNS tunnelling / DNS C2 (T1071.004, T1572, T1048.003). Per registered domain over a sliding event-time window it
 * tracks the unique subdomains, the character entropy of the subdomain text, the 95th-percentile subdomain length,
 * the share of payload-carrying query types (TXT/NULL), the NXDOMAIN share, the unique/total ratio and the share of
 * labels with characters no host name uses (`+`, `/`, `=`). A domain is reported when it has enough unique
 * subdomains and at least `minIndicators` of the other signals hold: volume alone is what CDNs look like, shape
 * alone is what a single odd lookup looks like; tunnels have both.
 */

export const DNS_TUNNEL_RULE_ID = 'apt.behaviour.dns_tunnel';

/** Never scored: reverse lookups, CDNs, AV/reputation lookups that encode hashes in names, AD service records. */
const BUILTIN_ALLOW = [
  'in-addr.arpa',
  'ip6.arpa',
  'akamai.net',
  'akamaiedge.net',
  'akamaihd.net',
  'edgekey.net',
  'edgesuite.net',
  'cloudfront.net',
  'fastly.net',
  'fastlylb.net',
  'cloudflare.net',
  'azureedge.net',
  'msedge.net',
  'trafficmanager.net',
  'cloudapp.net',
  'windowsupdate.com',
  'googlevideo.com',
  'gvt1.com',
  '1e100.net',
  'mcafee.com',
  'sophosxl.net',
  'trendmicro.com',
  'spamhaus.org',
  'barracudacentral.org',
  'surbl.org',
  'uribl.com',
  'senderbase.org',
  'e5.sk',
  'avast.com',
  'avg.com',
  'kaspersky-labs.com',
];

/**
 * Standard Encoding (T1132.001, https://attack.mitre.org/techniques/T1132/001/): DNS tunnels carry their payload in
 * the query names encoded with an alphabet DNS labels survive: hex (dnscat2), base32 (iodine's a-z0-5 variant,
 * RFC 4648's a-z2-7) or base64 (iodine's raw mode, dns2tcp; mixed case, `+`, `/`, `=`). A label counts as encoded
 * when it is long, uses only one of those alphabets and mixes letters with digits (host names made of words do not).
 * Only consulted for a domain already reported as a tunnel, so it names the encoding and never raises an alert.
 */
export type DnsEncoding = 'hex' | 'base32' | 'base64';
/** Shortest label considered: shorter random-looking labels are common (hashes, ids) and carry little payload. */
export const ENCODED_LABEL_MIN = 16;
/** Share of the domain's unique subdomains that must carry an encoded label. */
export const ENCODED_SHARE = 0.6;

const HEX_LABEL = /^[0-9a-f]+$/i;
const BASE32_LABEL = /^[a-z0-9]+=*$/i;
/** Base64 and base64url; only a mixed-case label is taken for it (hyphenated one-case names are host names). */
const BASE64_LABEL = /^[A-Za-z0-9+/_-]+=*$/;

/** The encoding of a DNS label, or undefined for a label that does not look encoded. */
export function labelEncoding(label: string): DnsEncoding | undefined {
  if (label.length < ENCODED_LABEL_MIN || !/[0-9]/.test(label) || !/[a-z]/i.test(label)) return undefined;
  if (HEX_LABEL.test(label)) return 'hex';
  // DNS is case-insensitive, so a base32/hex payload arrives in one case; mixed case or +/= means base64.
  const oneCase = label === label.toLowerCase() || label === label.toUpperCase();
  if (oneCase) return BASE32_LABEL.test(label) ? 'base32' : undefined;
  return BASE64_LABEL.test(label) ? 'base64' : undefined;
}

/** The encoding most of the subdomains use, when at least ENCODED_SHARE of them carry an encoded label. */
export function dominantEncoding(subdomains: Iterable<string>): DnsEncoding | undefined {
  const counts: Record<DnsEncoding, number> = { hex: 0, base32: 0, base64: 0 };
  let total = 0;
  let encoded = 0;
  for (const sub of subdomains) {
    total++;
    let longest = '';
    for (const label of sub.split('.')) if (label.length > longest.length) longest = label;
    const enc = labelEncoding(longest);
    if (enc) {
      counts[enc]++;
      encoded++;
    }
  }
  if (total === 0 || encoded / total < ENCODED_SHARE) return undefined;
  return (Object.keys(counts) as DnsEncoding[]).reduce((a, b) => (counts[b] > counts[a] ? b : a));
}

const PAYLOAD_TYPES = new Set(['TXT', 'NULL', '10', '16', 'ANY', 'CNAME_PAYLOAD', 'MX_PAYLOAD']);
const HOSTNAME_CHAR = /^[a-z0-9_-]*$/i;

/** One query in the window: [time ms, subdomain, payload type (0/1), nxdomain (0/1), host, evidence id, location]. */
type Query = [number, string, number, number, string, string, string];

interface DomainState {
  queries: Query[];
  /** Subdomain -> occurrences in `queries`. */
  subs: Record<string, number>;
  uniques: number;
  /** Event time until which the domain is not reported again. */
  quietUntil: number;
}

export interface DnsMetrics {
  queries: number;
  uniqueSubdomains: number;
  entropyBits: number;
  p95Length: number;
  payloadTypeShare: number;
  nxdomainShare: number;
  uniqueRatio: number;
  oddCharShare: number;
}

/** Shannon entropy in bits per character of a body of text. */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const c of counts.values()) {
    const p = c / text.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Registered domain without a public-suffix list: good enough as a fallback when the normalizer did not set one. */
export function fallbackRegisteredDomain(name: string): string {
  const labels = name.split('.').filter((l) => l.length > 0);
  if (labels.length <= 2) return labels.join('.');
  const tld = labels[labels.length - 1];
  const second = labels[labels.length - 2];
  const take = tld.length === 2 && /^(co|com|net|org|gov|edu|ac|or|ne|go|mil|gob|nic)$/.test(second) ? 3 : 2;
  return labels.slice(-take).join('.');
}

export function dnsQuestion(ev: Event): { name: string; registered: string; subdomain: string } | undefined {
  let name = present(ev.dns?.question?.name);
  if (!name && isSysmon(ev) && eventId(ev) === 22) name = present(eventData(ev, 'QueryName'));
  if (!name) return undefined;
  if (name.endsWith('.')) name = name.slice(0, -1);
  const lowerName = name.toLowerCase();
  const registered = (
    present(ev.dns?.question?.registered_domain) ?? fallbackRegisteredDomain(lowerName)
  ).toLowerCase();
  let subdomain = present(ev.dns?.question?.subdomain);
  if (subdomain === undefined) {
    // Keep the original case: tunnels use mixed-case base64, and case is part of the entropy signal.
    subdomain = lowerName.endsWith(`.${registered}`)
      ? name.slice(0, name.length - registered.length - 1)
      : '';
  }
  return { name, registered, subdomain };
}

function isAllowed(name: string, registered: string, allow: readonly string[]): boolean {
  const lower = name.toLowerCase();
  // AD service records (_ldap._tcp.dc._msdcs.corp) and other SRV lookups.
  if (
    lower.startsWith('_') ||
    lower.includes('._msdcs.') ||
    lower.includes('._tcp.') ||
    lower.includes('._udp.')
  ) {
    return true;
  }
  for (const a of allow) {
    if (isDomainOrSubdomain(registered, a) || isSubdomainOf(lower, a)) return true;
  }
  return false;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)];
}

export function computeDnsMetrics(queries: readonly Query[], uniques: number): DnsMetrics {
  const seen = new Set<string>();
  let text = '';
  const lengths: number[] = [];
  let payload = 0;
  let nx = 0;
  let odd = 0;
  for (const q of queries) {
    payload += q[2];
    nx += q[3];
    if (!seen.has(q[1])) {
      seen.add(q[1]);
      const flat = q[1].replace(/\./g, '');
      text += flat;
      lengths.push(q[1].length);
      if (!q[1].split('.').every((label) => HOSTNAME_CHAR.test(label))) odd++;
    }
  }
  lengths.sort((a, b) => a - b);
  const n = queries.length || 1;
  return {
    queries: queries.length,
    uniqueSubdomains: uniques,
    entropyBits: shannonEntropy(text),
    p95Length: percentile(lengths, 95),
    payloadTypeShare: payload / n,
    nxdomainShare: nx / n,
    uniqueRatio: uniques / n,
    oddCharShare: seen.size ? odd / seen.size : 0,
  };
}

/** The indicators that hold for a domain's metrics, as short phrases for the explanation. */
export function dnsIndicators(m: DnsMetrics, cfg: DnsTunnelConfig): string[] {
  const out: string[] = [];
  if (m.entropyBits >= cfg.entropyBits) out.push(`subdomain entropy ${m.entropyBits.toFixed(1)} bits/char`);
  if (m.p95Length >= cfg.p95Length) out.push(`95th-percentile subdomain length ${m.p95Length}`);
  if (m.payloadTypeShare >= cfg.txtNullShare) out.push(`${pct(m.payloadTypeShare)} TXT/NULL queries`);
  if (m.nxdomainShare >= cfg.nxdomainShare) out.push(`${pct(m.nxdomainShare)} NXDOMAIN answers`);
  if (m.uniqueRatio >= cfg.uniqueRatio) out.push(`${pct(m.uniqueRatio)} of names never repeated`);
  if (m.oddCharShare >= 0.2) out.push(`${pct(m.oddCharShare)} of names with characters host names never use`);
  return out;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function isQuery(v: unknown): v is Query {
  return Array.isArray(v) && v.length === 7 && typeof v[0] === 'number' && typeof v[1] === 'string';
}

function isDomainState(v: unknown): v is DomainState {
  return (
    isRecord(v) &&
    Array.isArray(v.queries) &&
    v.queries.every(isQuery) &&
    isRecord(v.subs) &&
    typeof v.uniques === 'number' &&
    typeof v.quietUntil === 'number'
  );
}

export class DnsTunnelDetector implements Detector {
  readonly id = DNS_TUNNEL_RULE_ID;
  private readonly domains: BoundedMap<DomainState>;
  private readonly allow: string[];
  private readonly windowMs: number;
  private latest = 0;

  constructor(
    private readonly cfg: DnsTunnelConfig,
    private readonly maxEvidence = 20,
  ) {
    this.domains = new BoundedMap(cfg.maxDomains);
    this.allow = [...BUILTIN_ALLOW, ...cfg.allowDomains.map((d) => d.toLowerCase().replace(/^\.|\.$/g, ''))];
    this.windowMs = minutes(cfg.windowMinutes);
  }

  observe(ev: Event): Finding[] {
    const q = dnsQuestion(ev);
    if (!q || q.subdomain === '' || isAllowed(q.name, q.registered, this.allow)) return [];
    const t = timeMs(ev);
    if (t > this.latest) this.latest = t;
    const state = this.domains.upsert(q.registered, () => ({
      queries: [],
      subs: {},
      uniques: 0,
      quietUntil: 0,
    }));
    this.expire(state, t - this.windowMs);

    const qtype = (ev.dns?.question?.type ?? '').toUpperCase();
    const rcode = (ev.dns?.response_code ?? '').toUpperCase();
    const status = eventData(ev, 'QueryStatus');
    const nx = rcode === 'NXDOMAIN' || status === '9003' ? 1 : 0;
    const host = hostName(ev) ?? '';
    state.queries.push([
      t,
      q.subdomain,
      PAYLOAD_TYPES.has(qtype) ? 1 : 0,
      nx,
      host,
      ev.origin.id,
      ev.origin.location,
    ]);
    const prev = state.subs[q.subdomain] ?? 0;
    state.subs[q.subdomain] = prev + 1;
    if (prev === 0) state.uniques++;
    if (state.queries.length > this.cfg.maxQueriesPerDomain) this.dropOldest(state);

    // Only a new unique subdomain can move a domain over the line; repeats of known names cannot.
    if (prev !== 0 || state.uniques < this.cfg.minUniqueSubdomains || t < state.quietUntil) return [];
    const metrics = computeDnsMetrics(state.queries, state.uniques);
    const indicators = dnsIndicators(metrics, this.cfg);
    if (indicators.length < this.cfg.minIndicators) return [];
    state.quietUntil = t + this.windowMs;
    return [this.finding(q.registered, state, metrics, indicators)];
  }

  flush(now?: string): Finding[] {
    const t = now ? Date.parse(now) : this.latest;
    const cutoff = t - this.windowMs;
    this.domains.sweep((s) => {
      this.expire(s, cutoff);
      return s.queries.length === 0 && s.quietUntil <= t;
    });
    return [];
  }

  snapshot(): unknown {
    return { latest: this.latest, domains: this.domains.toJSON() };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.latest = typeof s.latest === 'number' ? s.latest : 0;
    this.domains.load(s.domains, isDomainState);
  }

  private expire(state: DomainState, cutoff: number): void {
    while (state.queries.length > 0 && state.queries[0][0] < cutoff) this.dropOldest(state);
  }

  private dropOldest(state: DomainState): void {
    const old = state.queries.shift();
    if (!old) return;
    const n = (state.subs[old[1]] ?? 1) - 1;
    if (n <= 0) {
      delete state.subs[old[1]];
      state.uniques--;
    } else {
      state.subs[old[1]] = n;
    }
  }

  private finding(domain: string, state: DomainState, m: DnsMetrics, found: string[]): Finding {
    const hostCounts = new Map<string, number>();
    for (const q of state.queries) hostCounts.set(q[4], (hostCounts.get(q[4]) ?? 0) + 1);
    const [topHost] = [...hostCounts.entries()].sort(
      (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
    )[0] ?? [''];
    const evidence: EvidenceRef[] = capEvidence(
      state.queries.map((q) => ({
        id: q[5],
        location: q[6],
        timestamp: new Date(q[0]).toISOString(),
        summary: `DNS query ${q[1]}.${domain}${q[4] ? ` from ${q[4]}` : ''}`,
      })),
      this.maxEvidence,
    );
    const techniques = ['T1071.004', 'T1572'];
    if (m.p95Length >= this.cfg.p95Length) techniques.push('T1048.003');
    const encoding = dominantEncoding(Object.keys(state.subs));
    if (encoding) techniques.push('T1132.001');
    const indicators = encoding ? [...found, `names ${encoding}-encoded`] : found;
    const risk = clampRisk(
      45 +
        8 * (found.length - this.cfg.minIndicators) +
        5 * Math.log2(m.uniqueSubdomains / this.cfg.minUniqueSubdomains) +
        10,
    );
    const who = topHost ? `${topHost} sent` : 'Hosts sent';
    const hosts = hostCounts.size > 1 ? ` (${hostCounts.size} hosts in all)` : '';
    return {
      ruleId: DNS_TUNNEL_RULE_ID,
      ruleName: 'DNS tunnelling or DNS command and control',
      detector: 'behaviour',
      techniqueIds: techniques,
      severity: severityFor(risk),
      riskScore: risk,
      explanation:
        `${who} ${m.queries} DNS queries with ${m.uniqueSubdomains} unique subdomains of ${domain} within ` +
        `${this.cfg.windowMinutes} minutes${hosts} (${indicators.join(', ')}), the pattern of data carried inside DNS names.`,
      host: topHost || undefined,
      firstSeen: new Date(state.queries[0][0]).toISOString(),
      lastSeen: new Date(state.queries[state.queries.length - 1][0]).toISOString(),
      evidence,
      contributions: [
        { feature: 'unique_subdomains', value: m.uniqueSubdomains, weight: 1 },
        { feature: 'entropy_bits', value: round2(m.entropyBits), weight: 1 },
        { feature: 'p95_length', value: m.p95Length, weight: 1 },
        { feature: 'txt_null_share', value: round2(m.payloadTypeShare), weight: 1 },
        { feature: 'nxdomain_share', value: round2(m.nxdomainShare), weight: 1 },
        { feature: 'unique_ratio', value: round2(m.uniqueRatio), weight: 1 },
        { feature: 'odd_char_share', value: round2(m.oddCharShare), weight: 1 },
      ],
    };
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
