import type { BurstConfig } from '../config';
import { isRecord } from '../detectors/bounded_map';
import { capEvidence, clampRisk } from '../detectors/event_fields';
import type { EvidenceRef, Finding, Severity } from '../types';
import type { PathMark } from './admin_paths';

/**
 * One alert per burst of remote activity. A single PsExec leaves a logon, an ADMIN$ write, a service install and the
 * service starting; five rules fire on it, and an admin (or an intruder) hopping on from there fires more. Findings
 * whose evidence belongs to admin edges (see admin_paths.ts) are grouped by the edge's source host, or by the
 * account when they continue its hop chain (A -> B, then B -> C). A group collects for `burstSeconds` of event
 * time and goes out as one alert naming every technique, destination, account and rule; a group of one goes out
 * unchanged. Afterwards the source stays "open" for `foldMinutes`: findings from it that add no technique are only
 * counted, a finding with a new technique opens a new burst.
 */

export const BURST_RULE_ID = 'apt.correlation.remote_activity_burst';

interface Burst {
  source: string;
  accounts: string[];
  destinations: string[];
  findings: Finding[];
  techniques: string[];
  first: number;
  last: number;
  /** Event time the burst goes out; 0 once it went out. */
  releaseAt: number;
  folded: number;
}

const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

function isBurst(v: unknown): v is Burst {
  return (
    isRecord(v) &&
    typeof v.source === 'string' &&
    Array.isArray(v.accounts) &&
    Array.isArray(v.destinations) &&
    Array.isArray(v.findings) &&
    Array.isArray(v.techniques) &&
    typeof v.first === 'number' &&
    typeof v.last === 'number' &&
    typeof v.releaseAt === 'number' &&
    typeof v.folded === 'number'
  );
}

/** The edge a finding is about: the most frequent source among its evidence marks. */
export function edgeOf(marks: PathMark[]): { source: string; accounts: string[]; destinations: string[] } {
  const counts = new Map<string, number>();
  for (const m of marks) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  let source = marks[0][1];
  for (const [s, n] of counts) if (n > (counts.get(source) ?? 0)) source = s;
  const accounts = [...new Set(marks.filter((m) => m[1] === source).map((m) => m[2]))];
  const destinations = [...new Set(marks.filter((m) => m[1] === source).map((m) => m[3]))];
  return { source, accounts, destinations };
}

export interface BurstStats {
  burstAlerts: number;
  groupedIntoBursts: number;
  foldedIntoBursts: number;
}

export class BurstGrouper {
  private open: Burst[] = [];
  readonly stats: BurstStats = { burstAlerts: 0, groupedIntoBursts: 0, foldedIntoBursts: 0 };
  private readonly burstMs: number;
  private readonly foldMs: number;

  constructor(
    private readonly cfg: BurstConfig,
    private readonly maxEvidence = 20,
  ) {
    this.burstMs = cfg.burstSeconds * 1000;
    this.foldMs = cfg.foldMinutes * 60_000;
  }

  /** Takes a finding about admin edges: joins the collecting burst, folds into a released one, or opens a burst. */
  add(f: Finding, marks: PathMark[]): void {
    const t = Date.parse(f.lastSeen) || 0;
    const edge = edgeOf(marks);
    const burst = this.find(edge, t);
    if (burst && burst.releaseAt > 0) {
      this.join(burst, f, edge, t);
      return;
    }
    if (burst && f.techniqueIds.every((x) => burst.techniques.includes(x))) {
      // Already alerted: more of the same from this source only counts.
      burst.folded++;
      burst.last = Math.max(burst.last, t);
      for (const a of edge.accounts) if (!burst.accounts.includes(a)) burst.accounts.push(a);
      for (const d of edge.destinations) if (!burst.destinations.includes(d)) burst.destinations.push(d);
      this.stats.foldedIntoBursts++;
      return;
    }
    if (burst) this.open = this.open.filter((b) => b !== burst);
    if (this.open.length >= this.cfg.maxOpen) this.open.shift();
    const fresh: Burst = {
      source: edge.source,
      accounts: [],
      destinations: [],
      findings: [],
      techniques: [],
      first: t,
      last: t,
      releaseAt: t + this.burstMs,
      folded: 0,
    };
    this.open.push(fresh);
    this.join(fresh, f, edge, t);
  }

  /**
   * Bursts whose collection time is over at event time `now` (all of them when `all`), as alerts. Bursts from
   * `waitFor` sources stay open: findings about them are still held elsewhere (deployment prevalence).
   */
  /** True when a collecting burst's time is over at event time `now` (the suppressor asks after every event). */
  due(now: number): boolean {
    for (const b of this.open) if (b.releaseAt > 0 && now >= b.releaseAt) return true;
    return false;
  }

  release(now: number, all: boolean, waitFor?: Set<string>): Finding[] {
    const out: Finding[] = [];
    for (const b of this.open) {
      if (b.releaseAt === 0 || (!all && (now < b.releaseAt || waitFor?.has(b.source)))) continue;
      out.push(this.merge(b));
      b.releaseAt = 0;
      b.findings = [];
    }
    this.open = this.open.filter((b) => b.releaseAt > 0 || now - b.last <= this.foldMs);
    return out;
  }

  snapshot(): unknown {
    return { open: this.open };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.open = Array.isArray(s.open) ? s.open.filter(isBurst).slice(-this.cfg.maxOpen) : [];
  }

  /** The open burst this edge belongs to: same source, or the same account continuing from a host it reached. */
  private find(edge: ReturnType<typeof edgeOf>, t: number): Burst | undefined {
    for (let i = this.open.length - 1; i >= 0; i--) {
      const b = this.open[i];
      const live = b.releaseAt > 0 ? t <= b.releaseAt + this.burstMs : t - b.last <= this.foldMs;
      if (!live) continue;
      if (b.source === edge.source) return b;
      if (edge.accounts.some((a) => b.accounts.includes(a)) && b.destinations.includes(edge.source)) return b;
    }
    return undefined;
  }

  private join(b: Burst, f: Finding, edge: ReturnType<typeof edgeOf>, t: number): void {
    b.findings.push(f);
    if (b.findings.length > 1) this.stats.groupedIntoBursts++;
    b.first = Math.min(b.first, Date.parse(f.firstSeen) || t);
    b.last = Math.max(b.last, t);
    for (const x of f.techniqueIds) if (!b.techniques.includes(x)) b.techniques.push(x);
    for (const a of edge.accounts) if (!b.accounts.includes(a)) b.accounts.push(a);
    for (const d of edge.destinations) if (!b.destinations.includes(d)) b.destinations.push(d);
  }

  private merge(b: Burst): Finding {
    if (b.findings.length === 1) return b.findings[0];
    this.stats.burstAlerts++;
    const lead = b.findings.reduce((x, y) => (y.riskScore > x.riskScore ? y : x));
    const severity = b.findings.reduce<Severity>(
      (s, f) => (SEVERITY_RANK[f.severity] > SEVERITY_RANK[s] ? f.severity : s),
      'low',
    );
    const evidence: EvidenceRef[] = [];
    const seen = new Set<string>();
    for (const f of b.findings)
      for (const e of f.evidence) {
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        evidence.push(e);
      }
    evidence.sort((x, y) => (x.timestamp < y.timestamp ? -1 : x.timestamp > y.timestamp ? 1 : 0));
    const rules = [...new Set(b.findings.map((f) => f.ruleName))];
    const minutes = Math.round((b.last - b.first) / 60_000);
    const dests = b.destinations.slice(0, 5).join(', ') + (b.destinations.length > 5 ? ', ...' : '');
    return {
      ruleId: BURST_RULE_ID,
      ruleName: 'Remote activity burst from one source',
      detector: 'correlation',
      techniqueIds: [...b.techniques].sort(),
      severity,
      riskScore: clampRisk(lead.riskScore + Math.min(10, 2 * (rules.length - 1))),
      explanation:
        `${b.source} reached ${dests} as ${b.accounts.slice(0, 3).join(', ')}` +
        `${minutes > 0 ? ` within ${minutes} minutes` : ''}; ${b.findings.length} findings from ${rules.length} ` +
        `detections are grouped here: ${rules.slice(0, 6).join('; ')}${rules.length > 6 ? '; ...' : ''}.`,
      host: b.destinations.length === 1 ? lead.host : undefined,
      user: b.accounts.length === 1 ? b.accounts[0] : undefined,
      firstSeen: new Date(b.first).toISOString(),
      lastSeen: new Date(b.last).toISOString(),
      evidence: capEvidence(evidence, this.maxEvidence),
      events: lead.events,
    };
  }
}
