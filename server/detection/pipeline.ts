import type { AlertDoc } from '../../common/alert';
import type { Event } from '../../common/event';
import { buildAlert } from './alerts/build_alert';
import { parseDetectionConfig, type DetectionConfig, type DetectionConfigInput } from './config';
import { Correlator, type CorrelationState } from './correlation/correlator';
import type { Incident } from './correlation/incident';
import { FindingSuppressor, type SuppressionStats } from './correlation/suppression';
import { createDetectors } from './detectors';
import { isRecord } from './detectors/bounded_map';
import { setDetectorEventScope } from './detectors/event_fields';
import type { Detector } from './detectors/types';
import { loadRules, RuleEngine } from './rules/engine';
import type { Rule } from './rules/schema';
import type { Finding } from './types';

/**
 * The detection pipeline: the one object every host (Kibana task, Kafka worker, ingest route, offline CLI) calls.
 * Per batch of normalized events it runs the single-event rules, the stateful behaviour detectors and the model
 * scorers, turns every finding into an ECS alert with a deterministic id, and links the findings into incidents.
 * Its state (detector and threshold-rule windows, suppression, model windows and open incidents) is plain JSON
 * (`getState`/`restoreState`).
 */

/** Anything that evaluates single events into findings (the rule engine). */
export interface RuleEvaluator {
  evaluate(event: Event): Finding[];
  flush?(): Finding[];
  /** Open windows (threshold rules) as JSON, saved with the pipeline state; `restore` replaces them. */
  snapshot?(): unknown;
  restore?(state: unknown): void;
}

/** Extension point for the ML models: scores a batch of events, returns findings (detector `model`/`baseline`). */
export interface ModelScorer {
  readonly id: string;
  scoreBatch(events: Event[]): Promise<Finding[]>;
  /** Scores what is still open (entity windows) at the end of a scan or on shutdown. */
  flush?(): Promise<Finding[]>;
  /** Open entity windows as JSON, persisted with the detector state; `restore` replaces them (bad input: empty). */
  snapshot?(): unknown;
  restore?(state: unknown): void;
}

export interface PipelineResult {
  alerts: AlertDoc[];
  findings: Finding[];
  /** Incidents touched by this batch (or closed by a flush), as they stand now. */
  incidents: Incident[];
}

export interface PipelineState {
  version: 1;
  detectors: Record<string, unknown>;
  correlation: CorrelationState;
  /** Learned admin paths, deployment prevalence and held findings (absent in states from older versions). */
  suppression?: unknown;
  /** Model scorers' snapshots by scorer id (absent in states from older versions). */
  models?: Record<string, unknown>;
  /** The rule engine's open threshold windows (absent in states from older versions). */
  rules?: unknown;
}

export interface DetectionPipelineOptions {
  config?: DetectionConfig | DetectionConfigInput;
  /** A rule evaluator, or rules to build the rule engine from. Omitted: no single-event rules. */
  rules?: RuleEvaluator | readonly Rule[];
  /** Replaces the default stateful detectors built from the config. */
  detectors?: Detector[];
  modelScorers?: ModelScorer[];
}

export interface PipelineStats {
  events: number;
  findings: number;
  alerts: number;
  findingsByRule: Record<string, number>;
  /** Findings the suppressor dropped or folded, by reason (learned admin practice, routine jobs, rollouts, bursts). */
  suppression?: SuppressionStats;
}

const MAX_FILE_LOCATIONS = 100_000;

export class DetectionPipeline {
  readonly config: DetectionConfig;
  private readonly rules?: RuleEvaluator;
  private readonly detectors: Detector[];
  private readonly scorers: ModelScorer[];
  private correlator: Correlator;
  private readonly suppressor: FindingSuppressor;
  /** Locations that are files (for `log.file.path`); bounded. */
  private readonly fileLocations = new Set<string>();
  private readonly counters: PipelineStats = { events: 0, findings: 0, alerts: 0, findingsByRule: {} };

  constructor(opts: DetectionPipelineOptions = {}) {
    this.config = parseDetectionConfig(opts.config ?? {});
    if (this.config.rules.enabled && opts.rules) {
      this.rules = isRuleEvaluator(opts.rules) ? opts.rules : new RuleEngine(opts.rules);
    }
    this.detectors = opts.detectors ?? createDetectors(this.config);
    this.scorers = opts.modelScorers ?? [];
    this.correlator = new Correlator(this.config.correlation);
    this.suppressor = new FindingSuppressor(this.config.suppression, this.config.maxEvidencePerFinding);
  }

  /** A pipeline with the rules shipped in `detection_rules/` (or `rulesDir`). */
  static withDefaultRules(
    opts: Omit<DetectionPipelineOptions, 'rules'> & { rulesDir?: string } = {},
  ): DetectionPipeline {
    const { rulesDir, ...rest } = opts;
    return new DetectionPipeline({ ...rest, rules: loadRules(rulesDir) });
  }

  async processBatch(events: Event[]): Promise<PipelineResult> {
    const kept: Finding[] = [];
    const found: Finding[] = [];
    // Scorers start first: their synchronous part (feature windows) runs now, and a scorer whose inference runs in
    // a worker thread scores while the rules and detectors below run. Their findings still come after the
    // per-event ones, in scorer order, as before.
    const scoring = this.scorers.map((s) => s.scoreBatch(events));
    // Awaited below; this only keeps a rejection that arrives while the loop runs from being reported as unhandled.
    for (const p of scoring) p.catch(() => undefined);
    for (const ev of events) {
      this.counters.events++;
      if (ev.origin?.kind === 'file' && this.fileLocations.size < MAX_FILE_LOCATIONS)
        this.fileLocations.add(ev.origin.location);
      // One per-event memo (time, host key, event id) for the suppressor and the detectors: none mutates events.
      setDetectorEventScope(ev);
      try {
        this.suppressor.observe(ev);
        found.length = 0;
        if (this.rules) pushAll(found, this.rules.evaluate(ev));
        for (const d of this.detectors) pushAll(found, d.observe(ev));
        // Per event, not per batch: what the suppressor holds or groups must not depend on where a batch ends.
        pushAll(kept, this.suppressor.filter(found));
      } finally {
        setDetectorEventScope(undefined);
      }
    }
    // Model findings come per batch (their windows are scored together), so they are filtered at its end.
    const scored: Finding[] = [];
    for (const p of scoring) pushAll(scored, await p);
    if (scored.length > 0) pushAll(kept, this.suppressor.filter(scored, events));
    return this.emit(kept);
  }

  /** Ends the current windows (end of a scan, task shutdown): flushes detectors and closes stale incidents. */
  async flush(now?: string): Promise<PipelineResult> {
    const findings: Finding[] = [];
    if (this.rules?.flush) pushAll(findings, this.rules.flush());
    for (const d of this.detectors) pushAll(findings, d.flush(now));
    for (const s of this.scorers) if (s.flush) pushAll(findings, await s.flush());
    const result = this.emit([...this.suppressor.filter(findings), ...this.suppressor.flush(now)]);
    const closed = this.correlator.expire(now);
    const seen = new Set(result.incidents.map((i) => i.id));
    for (const i of closed) if (!seen.has(i.id)) result.incidents.push(clone(i));
    return result;
  }

  /**
   * Findings waiting for repeats of themselves (correlation/repeats.ts) go out now, without waiting for later events
   * to pass their window. A scheduled task calls this once a run has read everything there was, so a source that has
   * gone quiet does not hold its last alerts back until the next event.
   */
  releaseWaiting(): PipelineResult {
    return this.emit(this.suppressor.releaseRepeats());
  }

  /** Whether findings wait for repeats of themselves (see releaseWaiting). */
  hasWaiting(): boolean {
    return this.suppressor.waitingRepeats() > 0;
  }

  /** Incidents still open (linked within the horizon). */
  openIncidents(): Incident[] {
    return this.correlator.openIncidents().map(clone);
  }

  getState(): PipelineState {
    const detectors: Record<string, unknown> = {};
    for (const d of this.detectors) detectors[d.id] = d.snapshot();
    return {
      version: 1,
      detectors,
      correlation: this.correlator.toJSON(),
      suppression: this.suppressor.snapshot(),
      models: Object.fromEntries(this.scorers.filter((m) => m.snapshot).map((m) => [m.id, m.snapshot?.()])),
      rules: this.rules?.snapshot?.(),
    };
  }

  /** Restores a state from `getState()`; unknown or malformed parts start empty instead of failing. */
  restoreState(state: unknown): void {
    const s = isRecord(state) && state.version === 1 ? state : {};
    const detectors = isRecord(s.detectors) ? s.detectors : {};
    for (const d of this.detectors) d.restore(detectors[d.id]);
    this.correlator = Correlator.fromJSON(s.correlation, this.config.correlation);
    this.suppressor.restore(s.suppression);
    this.rules?.restore?.(s.rules);
    for (const m of this.scorers) m.restore?.(isRecord(s.models) ? s.models[m.id] : undefined);
  }

  stats(): PipelineStats {
    return {
      ...this.counters,
      findingsByRule: { ...this.counters.findingsByRule },
      suppression: this.suppressor.stats,
    };
  }

  private emit(findings: Finding[]): PipelineResult {
    const alerts: AlertDoc[] = [];
    const touched = new Map<string, Incident>();
    const ids = new Set<string>();
    const kept: Finding[] = [];
    const isFileLocation = (loc: string): boolean => this.fileLocations.has(loc);
    for (const f of findings) {
      const draft = buildAlert(f, { isFileLocation });
      // One batch can produce the same detection twice (e.g. a rule and its threshold twin): keep one.
      if (ids.has(draft.apt.alert_id)) continue;
      ids.add(draft.apt.alert_id);
      const incident = this.config.correlation.enabled
        ? this.correlator.add(f, draft.apt.alert_id)
        : undefined;
      if (incident) {
        draft.apt.incident_id = incident.id;
        touched.set(incident.id, incident);
      }
      alerts.push(draft);
      kept.push(f);
      this.counters.findings++;
      this.counters.alerts++;
      this.counters.findingsByRule[f.ruleId] = (this.counters.findingsByRule[f.ruleId] ?? 0) + 1;
    }
    return { alerts, findings: kept, incidents: [...touched.values()].map(clone) };
  }
}

function isRuleEvaluator(r: RuleEvaluator | readonly Rule[]): r is RuleEvaluator {
  return !Array.isArray(r) && typeof (r as RuleEvaluator).evaluate === 'function';
}

function pushAll<T>(into: T[], items: readonly T[]): void {
  for (const x of items) into.push(x);
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}
