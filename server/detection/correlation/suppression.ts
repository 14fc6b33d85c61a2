import type { Event } from '../../../common/event';
import type { SuppressionConfig } from '../config';
import { isRecord } from '../detectors/bounded_map';
import { capEvidence, timeMs, userKey } from '../detectors/event_fields';
import type { EvidenceRef, Finding } from '../types';
import { AdminPathLearner } from './admin_paths';
import { DeploymentTracker } from './deployments';

/**
 * Between the detectors and alerting: drops or folds findings that are everyday administration.
 * - Software deployments: findings citing a deployment artifact (service, task, admin-share executable) wait
 *   `holdMinutes` of event time; if the artifact reaches `minHosts` hosts meanwhile they fold into one low-severity
 *   alert per rollout (or none), otherwise they are released unchanged.
 * - Learned admin paths: findings whose every evidence event is a known admin edge used in the account's usual
 *   hours are dropped; first-time edges and unusual hours alert as before.
 * Findings citing no such events pass untouched, so single-file recordings (first occurrences only) alert as before.
 */

export const DEPLOYMENT_RULE_ID = 'apt.behaviour.software_deployment';

interface Pending {
  finding: Finding;
  key: string;
  releaseAt: number;
}

interface Rollout {
  /** Time the aggregate alert went out (or would have). */
  at: number;
  folded: number;
}

const MAX_PENDING = 5000;
const MAX_ROLLOUTS = 5000;

export interface SuppressionStats {
  droppedKnownPaths: number;
  droppedAllowListed: number;
  foldedIntoDeployments: number;
  deploymentAlerts: number;
}

export class FindingSuppressor {
  private readonly paths?: AdminPathLearner;
  private readonly deployments?: DeploymentTracker;
  private pending: Pending[] = [];
  /** rollout id (account + window start) -> state, so one rollout makes one aggregate. */
  private rollouts: Record<string, Rollout> = {};
  private latest = 0;
  private readonly deployAccounts: Set<string>;
  readonly stats: SuppressionStats = {
    droppedKnownPaths: 0,
    droppedAllowListed: 0,
    foldedIntoDeployments: 0,
    deploymentAlerts: 0,
  };

  constructor(
    private readonly cfg: SuppressionConfig,
    private readonly maxEvidence = 20,
  ) {
    if (cfg.adminPaths.enabled) this.paths = new AdminPathLearner(cfg.adminPaths);
    if (cfg.deployments.enabled) this.deployments = new DeploymentTracker(cfg.deployments);
    this.deployAccounts = new Set(cfg.deployments.accounts.map(userKey));
  }

  observe(ev: Event): void {
    const t = timeMs(ev);
    if (t > this.latest) this.latest = t;
    this.paths?.observe(ev);
    this.deployments?.observe(ev, this.paths?.actorFor(ev));
  }

  /** Findings to alert on now: the ones that pass, held ones whose wait is over, and new rollout aggregates. */
  filter(findings: Finding[]): Finding[] {
    const out: Finding[] = [];
    for (const f of findings) {
      const key = this.deploymentKey(f);
      if (key !== undefined) {
        const account = this.deployments?.describe(key)?.account ?? '';
        if (this.deployAccounts.has(account)) {
          this.stats.droppedAllowListed++;
          continue;
        }
        if (this.deployments?.isPrevalent(key)) {
          this.fold(f, key, out);
          continue;
        }
        if (this.cfg.deployments.holdMinutes > 0 && this.pending.length < MAX_PENDING) {
          const at = Math.max(Date.parse(f.lastSeen) || 0, this.latest);
          this.pending.push({ finding: f, key, releaseAt: at + this.cfg.deployments.holdMinutes * 60_000 });
          continue;
        }
      }
      if (this.isKnownPath(f)) {
        this.stats.droppedKnownPaths++;
        continue;
      }
      out.push(f);
    }
    this.drain(out, false);
    return out;
  }

  /** End of a scan or shutdown: every held finding is decided now. */
  flush(now?: string): Finding[] {
    const out: Finding[] = [];
    this.drain(out, true);
    const t = now ? Date.parse(now) : this.latest;
    if (Number.isFinite(t)) {
      this.paths?.expire(t);
      this.deployments?.expire(t);
      const horizon = t - this.cfg.deployments.windowMinutes * 60_000 * 2;
      for (const [id, r] of Object.entries(this.rollouts)) if (r.at < horizon) delete this.rollouts[id];
    }
    return out;
  }

  snapshot(): unknown {
    return {
      latest: this.latest,
      paths: this.paths?.snapshot(),
      deployments: this.deployments?.snapshot(),
      pending: this.pending,
      rollouts: this.rollouts,
    };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.latest = typeof s.latest === 'number' ? s.latest : 0;
    this.paths?.restore(s.paths);
    this.deployments?.restore(s.deployments);
    this.pending = Array.isArray(s.pending)
      ? s.pending
          .filter(
            (p): p is Pending =>
              isRecord(p) &&
              isRecord(p.finding) &&
              typeof p.key === 'string' &&
              typeof p.releaseAt === 'number',
          )
          .slice(0, MAX_PENDING)
      : [];
    this.rollouts = {};
    if (isRecord(s.rollouts)) {
      for (const [id, r] of Object.entries(s.rollouts)) {
        if (isRecord(r) && typeof r.at === 'number' && typeof r.folded === 'number')
          this.rollouts[id] = { at: r.at, folded: r.folded };
      }
    }
  }

  private deploymentKey(f: Finding): string | undefined {
    if (!this.deployments) return undefined;
    for (const e of f.evidence) {
      const key = this.deployments.keyOf(e.id);
      if (key !== undefined) return key;
    }
    return undefined;
  }

  private isKnownPath(f: Finding): boolean {
    if (!this.paths || f.evidence.length === 0) return false;
    return f.evidence.every((e) => this.paths?.verdictOf(e.id) === 'known');
  }

  private drain(out: Finding[], all: boolean): void {
    if (this.pending.length === 0) return;
    const keep: Pending[] = [];
    for (const p of this.pending) {
      if (this.deployments?.isPrevalent(p.key)) this.fold(p.finding, p.key, out);
      else if (all || this.latest >= p.releaseAt) {
        if (this.isKnownPath(p.finding)) this.stats.droppedKnownPaths++;
        else out.push(p.finding);
      } else keep.push(p);
    }
    this.pending = keep;
  }

  /** One alert per rollout: the first folded finding opens it, later ones only count. */
  private fold(f: Finding, key: string, out: Finding[]): void {
    this.stats.foldedIntoDeployments++;
    const d = this.deployments?.describe(key);
    if (!d) return;
    const windowMs = this.cfg.deployments.windowMinutes * 60_000;
    const id = `${d.account}|${Math.floor(d.first / windowMs)}`;
    const rollout = this.rollouts[id];
    if (rollout) {
      rollout.folded++;
      return;
    }
    if (Object.keys(this.rollouts).length >= MAX_ROLLOUTS) this.rollouts = {};
    this.rollouts[id] = { at: d.first, folded: 1 };
    if (!this.cfg.deployments.aggregate) return;
    this.stats.deploymentAlerts++;
    out.push(this.aggregate(f, key, d));
  }

  private aggregate(
    f: Finding,
    key: string,
    d: { what: string; account: string; first: number; last: number },
  ): Finding {
    const hosts = this.deployments?.hostCount(key) ?? 0;
    const evidence: EvidenceRef[] = capEvidence(f.evidence, this.maxEvidence);
    const minutes = Math.max(1, Math.round((d.last - d.first) / 60_000));
    return {
      ruleId: DEPLOYMENT_RULE_ID,
      ruleName: 'Software deployment across many hosts',
      detector: 'behaviour',
      techniqueIds: [...f.techniqueIds],
      severity: 'low',
      riskScore: 20,
      explanation:
        `${d.what} was put on ${hosts} hosts by ${d.account} within ${minutes} minutes, the pattern of a ` +
        `software rollout; the per-host findings (first: ${f.ruleName}) are folded into this alert.`,
      user: d.account === 'system' ? undefined : d.account,
      firstSeen: new Date(d.first).toISOString(),
      lastSeen: f.lastSeen,
      evidence,
      events: f.events?.slice(0, 1),
    };
  }
}
