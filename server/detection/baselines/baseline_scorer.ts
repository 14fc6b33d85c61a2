import type { Event } from '../../../common/event';
import { toFeatureEvent } from '../../../common/features/feature_event';
import { featureDisplayValue, WINDOW_MS } from '../../../common/features/schema';
import { WindowFeatureExtractor, type WindowRow } from '../../../common/features/window_extractor';
import type { ElasticsearchClient } from '../../kibana_types';
import { evidenceRef, severityFor } from '../detectors/event_fields';
import type { ModelScorer } from '../pipeline';
import type { Finding } from '../types';
import {
  BASELINE_FEATURES,
  baselineVector,
  ensureBaselineIndices,
  loadBaselines,
  windowDoc,
  WINDOWS_INDEX,
  type BaselineDoc,
} from './baseline_store';
import { scoreIsolationForest, type IsolationForestModel } from './isolation_forest';
import { restoreScorerState, scorerSnapshot, type ScorerStateOptions } from '../models/scorer_state';
import { WindowAttributor } from '../models/window_attribution';

/**
 * Behaviour baselines in the pipeline: every closed entity window is written to the windows index (the training
 * data of the next `retrainBaselines` run) and scored by the entity's own forest when it has one, else by its
 * entity type's. The anomaly score is the Isolation Forest score (0..1); a window scoring above every window of the
 * forest's training history and above `minScore` becomes a finding naming its top contributing features and the ATT&CK techniques they are evidence
 * of (models/window_attribution.ts; a window none of whose contributors maps raises no alert). The open windows
 * survive restarts through `snapshot`/`restore`, as the hybrid scorer's do.
 */

export interface BaselineScorerOptions {
  es: ElasticsearchClient;
  windowsIndex?: string;
  baselinesIndex?: string;
  minScore?: number;
  logger?: { warn(msg: string): void };
  /** Bounds on the persisted window state. */
  state?: ScorerStateOptions;
}

export interface BaselineWindowScore {
  score: number;
  baseline: Loaded;
  /** Every feature with credit, largest first; `high` when the forest isolated the value on its high side. */
  ranked: Array<{ feature: string; value: number; weight: number; high: boolean }>;
  /** The three largest, without direction. */
  top: Array<{ feature: string; value: number; weight: number }>;
}

type Loaded = BaselineDoc & { forest: IsolationForestModel };

export class BaselineScorer implements ModelScorer {
  readonly id = 'baseline';
  private extractor = new WindowFeatureExtractor<Event>();
  private readonly attributor = new WindowAttributor();

  constructor(
    private readonly opts: BaselineScorerOptions,
    private baselines: Map<string, Loaded> = new Map(),
  ) {}

  static async create(opts: BaselineScorerOptions): Promise<BaselineScorer> {
    // Explicit mappings first: auto-created from concurrent bulks, `features` would be mapped long by one request
    // and float by another, and every later write would fail.
    await ensureBaselineIndices(opts.es, opts.windowsIndex, opts.baselinesIndex);
    return new BaselineScorer(opts, await loadBaselines(opts.es, opts.baselinesIndex));
  }

  /** Picks up a retrained set (call after `retrainBaselines`). */
  async reload(): Promise<void> {
    this.baselines = await loadBaselines(this.opts.es, this.opts.baselinesIndex);
  }

  async scoreBatch(events: Event[]): Promise<Finding[]> {
    const rows: WindowRow<Event>[] = [];
    for (const ev of events) {
      const fe = toFeatureEvent(ev);
      if (fe) rows.push(...this.extractor.add(fe, 0, ev));
    }
    return this.handle(rows);
  }

  async flush(): Promise<Finding[]> {
    return this.handle(this.extractor.flush());
  }

  /** The open entity windows and held context, bounded (see ScorerStateOptions), as plain JSON. */
  snapshot(): unknown {
    return scorerSnapshot(this.id, this.extractor, this.attributor.pending, this.opts.state);
  }

  /** Replaces the window state; undefined or an invalid snapshot (logged) leaves the scorer empty. */
  restore(state: unknown): void {
    const r = restoreScorerState(this.id, state, this.opts.logger);
    this.extractor = r.extractor;
    this.attributor.pending = r.pending;
  }

  /** High-scoring windows none of whose contributors maps to a technique (held as context, not alerted). */
  get unattributed(): number {
    return this.attributor.unattributed;
  }

  /** Scores one window vector; undefined when neither the entity nor its type has a baseline yet. */
  score(type: 'host' | 'user', entity: string, features: readonly number[]): BaselineWindowScore | undefined {
    const baseline = this.baselines.get(`${type}:${entity}`) ?? this.baselines.get(`type:${type}`);
    if (!baseline) return undefined;
    const x = baselineVector(features);
    const s = scoreIsolationForest(baseline.forest, x);
    const ranked = BASELINE_FEATURES.map((f, j) => ({
      feature: f,
      value: featureDisplayValue(f, x[j]),
      weight: Math.round(s.featureShare[j] * 10000) / 10000,
      high: s.featureHighShare[j] > 0.5,
    }))
      .filter((c) => c.weight > 0)
      .sort((a, b) => b.weight - a.weight || (a.feature < b.feature ? -1 : 1));
    const top = ranked.slice(0, 3).map(({ feature, value, weight }) => ({ feature, value, weight }));
    return { score: s.score, baseline, ranked, top };
  }

  /**
   * The finding for one scored window, or undefined when it stays under the alert cut-off (the forest's highest
   * training score and `minScore`) or cannot be tied to an ATT&CK technique (then held as context for the entity).
   */
  finding(r: WindowRow<Event>, s: BaselineWindowScore): Finding | undefined {
    // Above everything in the history the forest learnt from (retrain.ts says why not the p99).
    const cutoff = s.baseline.calibration.max ?? s.baseline.calibration.p99;
    if (s.score <= Math.max(this.opts.minScore ?? 0.6, cutoff)) return undefined;
    const attribution = this.attributor.attribute(
      `${r.entityType}:${r.entity}`,
      s.ranked,
      r.windowStart,
      s.score,
      r.facts,
    );
    if (!attribution) return undefined;
    const risk = Math.round(s.score * 100);
    const scope = s.baseline.entity ? `its own baseline` : `the ${r.entityType} baseline`;
    return {
      ruleId: 'apt.baseline.isolation_forest',
      ruleName: `Baseline: unusual ${r.entityType} behaviour`,
      detector: 'baseline',
      techniqueIds: attribution.techniqueIds,
      severity: severityFor(risk),
      riskScore: risk,
      explanation:
        `${r.entityType} ${r.entity} deviated from ${scope} (version ${s.baseline.version}) between ` +
        `${new Date(r.windowStart).toISOString()} and ${new Date(r.windowStart + WINDOW_MS).toISOString()}: ` +
        `anomaly score ${s.score.toFixed(3)}, above all ${s.baseline.training_windows} training windows ` +
        `(highest ${cutoff.toFixed(3)}); top features: ` +
        `${attribution.listed}; ${attribution.text}.`,
      host: r.entityType === 'host' ? r.entity : undefined,
      user: r.entityType === 'user' ? r.entity : undefined,
      firstSeen: r.refs[0]?.['@timestamp'] ?? new Date(r.windowStart).toISOString(),
      lastSeen:
        r.refs[r.refs.length - 1]?.['@timestamp'] ?? new Date(r.windowStart + WINDOW_MS).toISOString(),
      evidence: r.refs.map((e) => evidenceRef(e)),
      events: r.refs,
      contributions: attribution.contributions,
    };
  }

  private async handle(rows: WindowRow<Event>[]): Promise<Finding[]> {
    if (rows.length === 0) return [];
    const ops: unknown[] = [];
    for (const r of rows) {
      const { id, doc } = windowDoc(r);
      ops.push({ index: { _index: this.opts.windowsIndex ?? WINDOWS_INDEX, _id: id } }, doc);
    }
    const res = await this.opts.es.bulk({ operations: ops });
    if (res.errors) {
      const first = res.items.find((i) => i.index?.error)?.index?.error;
      throw new Error(`baseline windows: bulk write failed: ${first?.reason ?? 'unknown error'}`);
    }
    const out: Finding[] = [];
    for (const r of rows) {
      const scored = this.score(r.entityType, r.entity, r.features);
      const f = scored ? this.finding(r, scored) : undefined;
      if (f) out.push(f);
    }
    return out;
  }
}
