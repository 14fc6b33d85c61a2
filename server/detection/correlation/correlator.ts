import { createHash } from 'crypto';
import { getTactic, tacticOrder, tacticsForTechnique } from '../../../common/attack/catalog';
import type { CorrelationConfig } from '../config';
import { clampRisk, isServiceIdentity, severityFor, shortHost, userKey } from '../detectors/event_fields';
import { isRecord } from '../detectors/bounded_map';
import type { EvidenceRef, Finding } from '../types';
import type { ChainStep, Incident, IncidentFinding } from './incident';

/**
 * Links findings into incidents. A finding joins the open incident of its host or its user (the earliest one when
 * both have one) if that incident saw activity within the horizon; otherwise it opens a new incident. Incidents
 * older than the horizon close and leave the state, so memory is bounded by the open incidents (capped as well).
 * State round-trips through JSON (`toJSON`/`fromJSON`) so a host can persist it in Elasticsearch.
 */

const tacticRank = new Map(tacticOrder.map((t, i) => [t.id, i]));

export function incidentId(entity: string, first: Finding): string {
  const firstEvidence = first.evidence[0]?.id ?? '';
  return createHash('sha256')
    .update(`${entity}\n${first.ruleId}\n${firstEvidence}\n${first.firstSeen}`)
    .digest('hex')
    .slice(0, 32);
}

export function entitiesOf(f: Finding): { host?: string; user?: string } {
  const host = f.host ? shortHost(f.host) : undefined;
  const u = f.user ? userKey(f.user) : undefined;
  return { host, user: u && !isServiceIdentity(u) ? u : undefined };
}

/** Risk of an incident: its worst finding, raised by tactic diversity and by volume. */
export function incidentRisk(maxFindingRisk: number, tacticCount: number, findingCount: number): number {
  const diversity = Math.min(30, 8 * Math.max(0, tacticCount - 1));
  const volume = Math.min(10, 3 * Math.log2(Math.max(1, findingCount)));
  return clampRisk(maxFindingRisk + diversity + volume);
}

function tacticIdsOf(techniqueIds: readonly string[]): string[] {
  const ids = new Set<string>();
  for (const t of techniqueIds) for (const tactic of tacticsForTechnique(t)) ids.add(tactic.id);
  return [...ids].sort((a, b) => (tacticRank.get(a) ?? 99) - (tacticRank.get(b) ?? 99));
}

interface OpenIncident {
  incident: Incident;
  maxRisk: number;
}

export interface CorrelationState {
  version: 1;
  latest: number;
  incidents: Incident[];
}

export class Correlator {
  private readonly open = new Map<string, OpenIncident>();
  /** `host:<name>` / `user:<name>` -> incident id. */
  private readonly byEntity = new Map<string, string>();
  private readonly horizonMs: number;
  private latest = 0;

  constructor(private readonly cfg: CorrelationConfig) {
    this.horizonMs = cfg.horizonHours * 3_600_000;
  }

  /** Links a finding (already turned into alert `alertId`) and returns the incident it now belongs to. */
  add(f: Finding, alertId: string): Incident | undefined {
    const { host, user } = entitiesOf(f);
    if (!host && !user) return undefined;
    const start = Date.parse(f.firstSeen);
    const end = Date.parse(f.lastSeen);
    if (end > this.latest) this.latest = end;

    const candidates: OpenIncident[] = [];
    for (const key of [host ? `host:${host}` : '', user ? `user:${user}` : '']) {
      if (!key) continue;
      const id = this.byEntity.get(key);
      const open = id ? this.open.get(id) : undefined;
      if (open && Date.parse(open.incident.lastSeen) >= start - this.horizonMs) candidates.push(open);
    }
    candidates.sort(
      (a, b) =>
        a.incident.firstSeen.localeCompare(b.incident.firstSeen) ||
        a.incident.id.localeCompare(b.incident.id),
    );
    const target = candidates[0] ?? this.create(f, host, user);
    this.link(target, f, alertId, host, user, start, end);
    this.enforceCap();
    return target.incident;
  }

  /** Closes incidents with no activity within the horizon before `now` (default: the latest finding time). */
  expire(now?: string): Incident[] {
    const t = now ? Date.parse(now) : this.latest;
    const closed: Incident[] = [];
    for (const [id, open] of this.open) {
      if (Date.parse(open.incident.lastSeen) < t - this.horizonMs) {
        closed.push(open.incident);
        this.remove(id);
      }
    }
    return closed;
  }

  openIncidents(): Incident[] {
    return [...this.open.values()].map((o) => o.incident);
  }

  toJSON(): CorrelationState {
    return { version: 1, latest: this.latest, incidents: this.openIncidents() };
  }

  static fromJSON(state: unknown, cfg: CorrelationConfig): Correlator {
    const c = new Correlator(cfg);
    if (!isRecord(state) || state.version !== 1 || !Array.isArray(state.incidents)) return c;
    c.latest = typeof state.latest === 'number' ? state.latest : 0;
    for (const raw of state.incidents) {
      if (!isIncident(raw)) continue;
      c.open.set(raw.id, { incident: raw, maxRisk: Math.max(0, ...raw.findings.map((f) => f.riskScore)) });
      for (const h of raw.hosts) c.byEntity.set(`host:${h}`, raw.id);
      for (const u of raw.users) c.byEntity.set(`user:${u}`, raw.id);
    }
    return c;
  }

  private create(f: Finding, host: string | undefined, user: string | undefined): OpenIncident {
    const entity = host ? { type: 'host' as const, name: host } : { type: 'user' as const, name: user ?? '' };
    const first = f.evidence[0] ?? { id: '', location: '', timestamp: f.firstSeen };
    const last = f.evidence[f.evidence.length - 1] ?? first;
    const incident: Incident = {
      id: incidentId(`${entity.type}:${entity.name}`, f),
      entity,
      hosts: [],
      users: [],
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
      firstEvidence: first,
      lastEvidence: last,
      chain: [],
      techniqueIds: [],
      findingCount: 0,
      findings: [],
      riskScore: 0,
      severity: 'low',
      title: '',
    };
    const open = { incident, maxRisk: 0 };
    this.open.set(incident.id, open);
    return open;
  }

  private link(
    open: OpenIncident,
    f: Finding,
    alertId: string,
    host: string | undefined,
    user: string | undefined,
    start: number,
    end: number,
  ): void {
    const inc = open.incident;
    if (host && !inc.hosts.includes(host)) inc.hosts.push(host);
    if (user && !inc.users.includes(user)) inc.users.push(user);
    if (host) this.byEntity.set(`host:${host}`, inc.id);
    if (user) this.byEntity.set(`user:${user}`, inc.id);

    const tacticIds = tacticIdsOf(f.techniqueIds);
    const ref: IncidentFinding = {
      alertId,
      ruleId: f.ruleId,
      ruleName: f.ruleName,
      techniqueIds: f.techniqueIds,
      tacticIds,
      severity: f.severity,
      riskScore: f.riskScore,
      firstSeen: f.firstSeen,
      lastSeen: f.lastSeen,
      host: f.host,
      user: f.user,
    };
    // A retried batch re-adds the same alert: keep the incident as it was.
    if (inc.findings.some((x) => x.alertId === alertId)) return;
    inc.findingCount++;
    inc.findings.push(ref);
    if (inc.findings.length > this.cfg.maxFindingsPerIncident) inc.findings.shift();

    const firstEvidence = f.evidence[0];
    const lastEvidence = f.evidence[f.evidence.length - 1];
    if (start < Date.parse(inc.firstSeen) || inc.findingCount === 1) {
      inc.firstSeen = f.firstSeen;
      if (firstEvidence) inc.firstEvidence = firstEvidence;
    }
    if (end >= Date.parse(inc.lastSeen) || inc.findingCount === 1) {
      inc.lastSeen = f.lastSeen;
      if (lastEvidence) inc.lastEvidence = lastEvidence;
    }
    for (const t of f.techniqueIds) if (!inc.techniqueIds.includes(t)) inc.techniqueIds.push(t);
    inc.techniqueIds.sort();
    this.extendChain(inc.chain, f, tacticIds);
    open.maxRisk = Math.max(open.maxRisk, f.riskScore);
    inc.riskScore = incidentRisk(open.maxRisk, inc.chain.length, inc.findingCount);
    inc.severity = severityFor(inc.riskScore);
    inc.title = titleOf(inc);
  }

  private extendChain(chain: ChainStep[], f: Finding, tacticIds: string[]): void {
    for (const tacticId of tacticIds) {
      let step = chain.find((s) => s.tacticId === tacticId);
      if (!step) {
        step = {
          tacticId,
          tacticName: getTactic(tacticId)?.name ?? tacticId,
          firstSeen: f.firstSeen,
          ruleIds: [],
          techniqueIds: [],
        };
        chain.push(step);
      }
      if (f.firstSeen < step.firstSeen) step.firstSeen = f.firstSeen;
      if (!step.ruleIds.includes(f.ruleId)) step.ruleIds.push(f.ruleId);
      for (const t of f.techniqueIds) {
        if (!step.techniqueIds.includes(t) && tacticsForTechnique(t).some((x) => x.id === tacticId))
          step.techniqueIds.push(t);
      }
    }
    chain.sort((a, b) => (tacticRank.get(a.tacticId) ?? 99) - (tacticRank.get(b.tacticId) ?? 99));
  }

  private enforceCap(): void {
    if (this.open.size <= this.cfg.maxOpenIncidents) return;
    const byAge = [...this.open.values()].sort((a, b) =>
      a.incident.lastSeen.localeCompare(b.incident.lastSeen),
    );
    for (const o of byAge.slice(0, this.open.size - this.cfg.maxOpenIncidents)) this.remove(o.incident.id);
  }

  private remove(id: string): void {
    const open = this.open.get(id);
    if (!open) return;
    this.open.delete(id);
    for (const h of open.incident.hosts)
      if (this.byEntity.get(`host:${h}`) === id) this.byEntity.delete(`host:${h}`);
    for (const u of open.incident.users)
      if (this.byEntity.get(`user:${u}`) === id) this.byEntity.delete(`user:${u}`);
  }
}

function titleOf(inc: Incident): string {
  const tactics = inc.chain.map((s) => s.tacticName);
  const shown = tactics.length > 4 ? [...tactics.slice(0, 2), '...', ...tactics.slice(-2)] : tactics;
  return `${inc.entity.type} ${inc.entity.name}: ${inc.findingCount} finding${inc.findingCount === 1 ? '' : 's'}${shown.length ? ` (${shown.join(' -> ')})` : ''}`;
}

function isEvidence(v: unknown): v is EvidenceRef {
  return (
    isRecord(v) &&
    typeof v.id === 'string' &&
    typeof v.location === 'string' &&
    typeof v.timestamp === 'string'
  );
}

function isIncident(v: unknown): v is Incident {
  return (
    isRecord(v) &&
    typeof v.id === 'string' &&
    isRecord(v.entity) &&
    (v.entity.type === 'host' || v.entity.type === 'user') &&
    typeof v.entity.name === 'string' &&
    Array.isArray(v.hosts) &&
    Array.isArray(v.users) &&
    typeof v.firstSeen === 'string' &&
    typeof v.lastSeen === 'string' &&
    isEvidence(v.firstEvidence) &&
    isEvidence(v.lastEvidence) &&
    Array.isArray(v.chain) &&
    Array.isArray(v.techniqueIds) &&
    typeof v.findingCount === 'number' &&
    Array.isArray(v.findings) &&
    v.findings.every(
      (f) => isRecord(f) && typeof f.riskScore === 'number' && typeof f.alertId === 'string',
    ) &&
    typeof v.riskScore === 'number' &&
    typeof v.severity === 'string'
  );
}
