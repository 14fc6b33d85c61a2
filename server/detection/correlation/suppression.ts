import type { Event } from '../../../common/event';
import type { SuppressionConfig } from '../config';
import { isRecord } from '../detectors/bounded_map';
import { capEvidence, timeMs, userKey } from '../detectors/event_fields';
import type { EvidenceRef, Finding } from '../types';
import { AdminPathLearner, type PathMark } from './admin_paths';
import { BurstGrouper } from './bursts';
import { DeploymentTracker } from './deployments';
import { RepeatFolder } from './repeats';
import { RoutineLearner, routineSignature } from './routine';

/**
 * Between the detectors and alerting: drops or folds findings that are everyday administration.
 * - Software deployments: findings citing a deployment artifact (service, task, admin-share executable) wait
 *   `holdMinutes` of event time; if the artifact reaches `minHosts` hosts meanwhile they fold into one low-severity
 *   alert per rollout (or none), otherwise they are released unchanged.
 * - Learned admin paths: findings whose every evidence event is a known admin edge used in its usual hours, or
 *   learned admin practice (a jump host reaching a new server for an account that works there), are dropped;
 *   first-time edges and unusual hours alert. Logons of an account while its rollout is prevalent fold into it.
 * - Learned routine: the same finding on earlier days at the same hour (a nightly job) is dropped (routine.ts).
 * - Bursts: what is left about admin edges becomes one alert per burst of remote activity (bursts.ts).
 * - Repeats: the same finding again within seconds merges into the first (repeats.ts).
 * Findings citing no such events pass untouched, so single-file recordings (first occurrences only) alert as before.
 * Every drop and fold is counted in `stats` (the reason an alert did not go out).
 */

export const DEPLOYMENT_RULE_ID = 'apt.behaviour.software_deployment';

interface Pending {
  finding: Finding;
  key: string;
  releaseAt: number;
  /** Admin-path marks of its evidence when it was held (the recent-event marks may be gone on release). */
  marks?: PathMark[];
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
  /** Dropped as learned admin practice (jump host reaching a new server for an account that works there). */
  droppedAdminPractice: number;
  droppedAllowListed: number;
  droppedRoutine: number;
  foldedIntoDeployments: number;
  /** Logon-graph findings about an account while its rollout was prevalent. */
  foldedDeploymentLogons: number;
  deploymentAlerts: number;
  /** Alerts that stand for several findings of one burst, findings merged into them, findings folded after. */
  burstAlerts: number;
  groupedIntoBursts: number;
  foldedIntoBursts: number;
  /** Findings merged into the same finding raised shortly before (same rule, host, user and explanation). */
  foldedRepeats: number;
}

/** Findings that did not become alerts of their own (dropped, folded into a rollout, grouped into a burst). */
export function findingsKeptOut(s: SuppressionStats): number {
  return (
    s.droppedKnownPaths +
    s.droppedAdminPractice +
    s.droppedAllowListed +
    s.droppedRoutine +
    s.foldedIntoDeployments +
    s.foldedDeploymentLogons +
    s.groupedIntoBursts +
    s.foldedIntoBursts +
    s.foldedRepeats
  );
}

type Counters = Omit<
  SuppressionStats,
  'burstAlerts' | 'groupedIntoBursts' | 'foldedIntoBursts' | 'foldedRepeats'
>;

export class FindingSuppressor {
  private readonly paths?: AdminPathLearner;
  private readonly deployments?: DeploymentTracker;
  private readonly routine?: RoutineLearner;
  private readonly bursts?: BurstGrouper;
  private readonly repeats?: RepeatFolder;
  /** Events of the current batch: findings are signed with the event that triggered them (routine learning). */
  private batch: Event[] = [];
  /** Deploying account -> last time one of its artifacts was prevalent. */
  private deploying: Record<string, number> = {};
  private pending: Pending[] = [];
  /** rollout id (account + window start) -> state, so one rollout makes one aggregate. */
  private rollouts: Record<string, Rollout> = {};
  private latest = 0;
  private readonly deployAccounts: Set<string>;
  private readonly counters: Counters = {
    droppedKnownPaths: 0,
    droppedAdminPractice: 0,
    droppedAllowListed: 0,
    droppedRoutine: 0,
    foldedIntoDeployments: 0,
    foldedDeploymentLogons: 0,
    deploymentAlerts: 0,
  };

  constructor(
    private readonly cfg: SuppressionConfig,
    private readonly maxEvidence = 20,
  ) {
    if (cfg.adminPaths.enabled) this.paths = new AdminPathLearner(cfg.adminPaths);
    if (cfg.deployments.enabled) this.deployments = new DeploymentTracker(cfg.deployments);
    if (cfg.routine.enabled) this.routine = new RoutineLearner(cfg.routine);
    if (cfg.bursts.enabled && cfg.adminPaths.enabled) this.bursts = new BurstGrouper(cfg.bursts, maxEvidence);
    if (cfg.repeats.enabled && cfg.repeats.windowSeconds > 0)
      this.repeats = new RepeatFolder(cfg.repeats.windowSeconds * 1000, maxEvidence, cfg.repeats.maxHeld);
    this.deployAccounts = new Set(cfg.deployments.accounts.map(userKey));
  }

  /** What was dropped or folded, and why. */
  get stats(): SuppressionStats {
    const b = this.bursts?.stats ?? { burstAlerts: 0, groupedIntoBursts: 0, foldedIntoBursts: 0 };
    return { ...this.counters, ...b, foldedRepeats: this.repeats?.folded ?? 0 };
  }

  observe(ev: Event): void {
    const t = timeMs(ev);
    if (t > this.latest) this.latest = t;
    this.paths?.observe(ev);
    this.deployments?.observe(ev, this.paths?.actorFor(ev));
    if (this.routine) this.batch.push(ev);
  }

  /**
   * Findings to alert on now: the ones that pass, held ones whose wait is over, and new rollout aggregates. The
   * pipeline calls this after every event (with that event's findings), so holds and bursts end at the same event
   * however the input is cut into batches: a restarted task, a scan and a replay all give the same alerts.
   */
  filter(findings: Finding[], context?: readonly Event[]): Finding[] {
    if (
      findings.length === 0 &&
      this.pending.length === 0 &&
      (this.bursts === undefined || !this.bursts.due(this.latest)) &&
      (this.repeats === undefined || !this.repeats.due(this.latest))
    ) {
      this.batch.length = 0;
      return [];
    }
    const out: Finding[] = [];
    // The events a finding's trigger is looked up in: those since the last call, or the caller's (a batch).
    const events = findings.length > 0 && this.routine ? this.indexBatch(context ?? this.batch) : undefined;
    for (const f of findings) {
      const key = this.deploymentKey(f);
      if (key !== undefined) {
        const account = this.deployments?.describe(key)?.account ?? '';
        if (this.deployAccounts.has(account)) {
          this.counters.droppedAllowListed++;
          continue;
        }
        if (this.deployments?.isPrevalent(key)) {
          this.fold(f, key, out);
          continue;
        }
        if (this.cfg.deployments.holdMinutes > 0 && this.pending.length < MAX_PENDING) {
          const at = Math.max(Date.parse(f.lastSeen) || 0, this.latest);
          this.pending.push({
            finding: f,
            key,
            releaseAt: at + this.cfg.deployments.holdMinutes * 60_000,
            marks: this.marksOf(f),
          });
          continue;
        }
      }
      if (this.holdsForRollout(f)) continue;
      this.decide(f, out, events);
    }
    this.batch = [];
    this.drain(out, false);
    if (this.bursts) pushAll(out, this.bursts.release(this.latest, false, this.heldSources()));
    return this.repeats ? this.repeats.pass(out, this.latest) : out;
  }

  /** How many findings wait for their repeats. */
  waitingRepeats(): number {
    return this.repeats?.size ?? 0;
  }

  /** Findings waiting for their repeats, now (the rest of what is held keeps waiting). */
  releaseRepeats(): Finding[] {
    return this.repeats?.flush() ?? [];
  }

  /** End of a scan or shutdown: every held finding is decided now. */
  flush(now?: string): Finding[] {
    const out: Finding[] = [];
    this.drain(out, true);
    const t = now ? Date.parse(now) : this.latest;
    if (this.bursts) pushAll(out, this.bursts.release(Number.isFinite(t) ? t : this.latest, true));
    if (Number.isFinite(t)) {
      this.paths?.expire(t);
      this.deployments?.expire(t);
      const horizon = t - this.cfg.deployments.windowMinutes * 60_000 * 2;
      for (const [id, r] of Object.entries(this.rollouts)) if (r.at < horizon) delete this.rollouts[id];
      for (const [a, last] of Object.entries(this.deploying)) if (last < horizon) delete this.deploying[a];
    }
    return this.repeats ? [...this.repeats.pass(out, this.latest), ...this.repeats.flush()] : out;
  }

  /** Known paths and admin practice, rollout logons, routine, bursts - in that order; the rest goes out. */
  private decide(f: Finding, out: Finding[], events?: Map<string, Event>, held?: PathMark[]): void {
    const marks = held ?? this.marksOf(f);
    if (marks.length > 0 && marks.length === f.evidence.length) {
      if (marks.every((m) => m[0] === 'known' || m[0] === 'practice')) {
        if (marks.some((m) => m[0] === 'practice')) this.counters.droppedAdminPractice++;
        else this.counters.droppedKnownPaths++;
        return;
      }
      if (this.isRolloutLogon(f, marks)) {
        this.counters.foldedDeploymentLogons++;
        return;
      }
    }
    if (this.routine && !this.cfg.routine.neverSeverities.includes(f.severity)) {
      const last = f.evidence[f.evidence.length - 1];
      const signature = routineSignature(f, last ? events?.get(last.id) : undefined);
      const t = Date.parse(f.lastSeen);
      if (signature !== undefined && Number.isFinite(t) && this.routine.checkAndLearn(signature, t)) {
        this.counters.droppedRoutine++;
        return;
      }
    }
    // Only findings made of admin-path events wait for their burst: a brute-force success, say, goes out at once.
    if (this.bursts && marks.length > 0 && marks.length === f.evidence.length) {
      this.bursts.add(f, marks);
      return;
    }
    out.push(f);
  }

  /**
   * Logon findings (fan-out, new edges) of accounts that are putting an artifact on several hosts wait like the
   * artifact findings do: the rollout may become prevalent a few events later, and then they belong to it. Deciding
   * them only once the hold ends or the rollout shows makes the outcome independent of where a batch ends.
   */
  private holdsForRollout(f: Finding): boolean {
    const holdMs = this.cfg.deployments.holdMinutes * 60_000;
    if (!this.deployments || holdMs <= 0 || this.pending.length >= MAX_PENDING) return false;
    const marks = this.marksOf(f);
    if (marks.length === 0 || marks.length !== f.evidence.length) return false;
    const t = Date.parse(f.lastSeen) || this.latest;
    if (!marks.every((m) => this.deployments?.isDeploying(m[2], t))) return false;
    this.pending.push({ finding: f, key: '', releaseAt: Math.max(t, this.latest) + holdMs, marks });
    return true;
  }

  /** Sources of held findings: their bursts wait for them, so one PsExec stays one alert. */
  private heldSources(): Set<string> | undefined {
    if (this.pending.length === 0) return undefined;
    const sources = new Set<string>();
    for (const p of this.pending) for (const m of p.marks ?? []) sources.add(m[1]);
    return sources;
  }

  private marksOf(f: Finding): PathMark[] {
    const marks: PathMark[] = [];
    if (!this.paths || f.ignoresAdminPaths) return marks;
    for (const e of f.evidence) {
      const m = this.paths.markOf(e.id);
      if (m) marks.push(m);
    }
    return marks;
  }

  /** Logons of an account (fan-out, new edges) while an artifact it deploys is prevalent belong to the rollout. */
  private isRolloutLogon(f: Finding, marks: PathMark[]): boolean {
    const t = Date.parse(f.lastSeen);
    const windowMs = this.cfg.deployments.windowMinutes * 60_000;
    return marks.every((m) => {
      const last = this.deploying[m[2]];
      return last !== undefined && Math.abs(t - last) <= windowMs;
    });
  }

  private indexBatch(events: readonly Event[]): Map<string, Event> {
    const byId = new Map<string, Event>();
    for (const ev of events) byId.set(ev.origin.id, ev);
    return byId;
  }

  snapshot(): unknown {
    return {
      latest: this.latest,
      paths: this.paths?.snapshot(),
      deployments: this.deployments?.snapshot(),
      routine: this.routine?.snapshot(),
      bursts: this.bursts?.snapshot(),
      repeats: this.repeats?.snapshot(),
      deploying: this.deploying,
      pending: this.pending,
      rollouts: this.rollouts,
    };
  }

  restore(state: unknown): void {
    const s = isRecord(state) ? state : {};
    this.latest = typeof s.latest === 'number' ? s.latest : 0;
    this.paths?.restore(s.paths);
    this.deployments?.restore(s.deployments);
    this.routine?.restore(s.routine);
    this.bursts?.restore(s.bursts);
    this.repeats?.restore(s.repeats);
    this.deploying = {};
    if (isRecord(s.deploying))
      for (const [a, t] of Object.entries(s.deploying)) if (typeof t === 'number') this.deploying[a] = t;
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

  private drain(out: Finding[], all: boolean): void {
    if (this.pending.length === 0) return;
    const keep: Pending[] = [];
    for (const p of this.pending) {
      if (p.key !== '' && this.deployments?.isPrevalent(p.key)) this.fold(p.finding, p.key, out);
      else if (all || this.latest >= p.releaseAt) this.decide(p.finding, out, undefined, p.marks);
      // A held logon finding goes as soon as its account's rollout shows (decide then folds it).
      else if (p.key === '' && this.isRolloutLogon(p.finding, p.marks ?? []))
        this.decide(p.finding, out, undefined, p.marks);
      else keep.push(p);
    }
    this.pending = keep;
  }

  /** One alert per rollout: the first folded finding opens it, later ones only count. */
  private fold(f: Finding, key: string, out: Finding[]): void {
    this.counters.foldedIntoDeployments++;
    const d = this.deployments?.describe(key);
    if (!d) return;
    if (d.account !== 'system') this.deploying[d.account] = Math.max(this.deploying[d.account] ?? 0, d.last);
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
    this.counters.deploymentAlerts++;
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

function pushAll<T>(into: T[], items: readonly T[]): void {
  for (const x of items) into.push(x);
}
