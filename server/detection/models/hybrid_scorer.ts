import type { Event } from '../../../common/event';
import { toFeatureEvent } from '../../../common/features/feature_event';
import { FEATURE_COUNT, SEQ_LEN, SEQ_NUMERIC, WINDOW_MS } from '../../../common/features/schema';
import { WindowFeatureExtractor, type WindowRow } from '../../../common/features/window_extractor';
import { evidenceRef, severityFor } from '../detectors/event_fields';
import type { ModelScorer } from '../pipeline';
import type { Finding } from '../types';
import { ShapRanker } from './contributions';
import { HybridModel, type HybridInputs } from './hybrid_model';
import { DriftTracker } from './psi';
import { registerModel, type LiveModelStatus } from './registry';
import { restoreScorerState, scorerSnapshot, type ScorerStateOptions } from './scorer_state';
import { WindowAttributor } from './window_attribution';

/**
 * The pipeline's ModelScorer for the hybrid model. Events go through the shared feature extractor; every entity
 * window that closes is scored in one batch, and windows scoring at or above the card's threshold become findings
 * naming their top contributing features and the ATT&CK techniques those features are evidence of
 * (window_attribution.ts). When the model cannot be loaded (missing file, other feature-schema version) the scorer
 * stays inert with the reason in its status, and the rest of the pipeline runs on. The open entity windows survive
 * restarts through `snapshot`/`restore`, which the pipeline keeps with the detector state.
 */

export interface HybridScorerOptions {
  directory: string;
  intraOpThreads?: number;
  /** ONNX inference in a worker thread, overlapping the rest of the batch (see HybridModelOptions). */
  inferenceThread?: boolean;
  /** Overrides the threshold chosen on validation (card `threshold`). */
  threshold?: number;
  /** Largest inference batch. */
  maxBatch?: number;
  logger?: { warn(msg: string): void };
  /** Bounds on the persisted window state. */
  state?: ScorerStateOptions;
}

export function packInputs(rows: WindowRow[]): HybridInputs {
  const n = rows.length;
  const features = new Float32Array(n * FEATURE_COUNT);
  const tokens = new BigInt64Array(n * SEQ_LEN);
  const stride = SEQ_LEN * SEQ_NUMERIC.length;
  const numeric = new Float32Array(n * stride);
  rows.forEach((r, i) => {
    features.set(r.features, i * FEATURE_COUNT);
    for (let j = 0; j < SEQ_LEN; j++) tokens[i * SEQ_LEN + j] = BigInt(r.tokens[j]);
    numeric.set(r.seqNumeric, i * stride);
  });
  return { n, features, tokens, numeric };
}

export class HybridScorer implements ModelScorer {
  readonly id = 'hybrid';
  private extractor = new WindowFeatureExtractor<Event>();
  private readonly attributor = new WindowAttributor(3, 1000, 'log-odds');
  private readonly drift?: DriftTracker;
  private readonly ranker?: ShapRanker;
  private windowsScored = 0;
  private findings = 0;

  private constructor(
    private readonly model: HybridModel | undefined,
    private readonly error: string | undefined,
    private readonly opts: HybridScorerOptions,
  ) {
    if (model) {
      this.drift = new DriftTracker(model.card.features, model.card.trainingHistograms);
      this.ranker = new ShapRanker(model.card.features, model.card.trainingHistograms, model.explainer);
    }
    this.unregister = registerModel(this);
  }

  private readonly unregister: () => void;

  /** Never throws: a model that cannot be loaded leaves an inert scorer whose status carries the reason. */
  static async create(opts: HybridScorerOptions): Promise<HybridScorer> {
    try {
      const model = await HybridModel.load({
        directory: opts.directory,
        intraOpThreads: opts.intraOpThreads,
        inferenceThread: opts.inferenceThread,
      });
      return new HybridScorer(model, undefined, opts);
    } catch (err) {
      const msg = `hybrid model not loaded, model scoring disabled (detectors keep running): ${(err as Error).message}`;
      opts.logger?.warn(msg);
      return new HybridScorer(undefined, msg, opts);
    }
  }

  get loaded(): boolean {
    return this.model !== undefined;
  }

  async scoreBatch(events: Event[]): Promise<Finding[]> {
    if (!this.model) return [];
    const rows: WindowRow<Event>[] = [];
    for (const ev of events) {
      const fe = toFeatureEvent(ev);
      if (fe) for (const r of this.extractor.add(fe, 0, ev)) rows.push(r);
    }
    return this.score(rows);
  }

  /** Releases the ONNX sessions (plugin stop). */
  async close(): Promise<void> {
    this.unregister();
    await this.model?.release();
  }

  /** Closes and scores every open window (end of a scan). */
  async flush(): Promise<Finding[]> {
    if (!this.model) return [];
    return this.score(this.extractor.flush());
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

  status(): LiveModelStatus {
    if (!this.model) return { id: this.id, loaded: false, error: this.error };
    return {
      id: this.id,
      loaded: true,
      version: this.model.version,
      latency: this.model.latency.summary(),
      drift: this.drift?.summary(),
      windowsScored: this.windowsScored,
      findings: this.findings,
      unattributed: this.attributor.unattributed,
    };
  }

  private async score(rows: WindowRow<Event>[]): Promise<Finding[]> {
    const model = this.model as HybridModel;
    const out: Finding[] = [];
    const max = this.opts.maxBatch ?? 4096;
    const threshold = this.opts.threshold ?? model.threshold;
    for (let i = 0; i < rows.length; i += max) {
      const batch = rows.slice(i, i + max);
      const scores = await model.score(packInputs(batch));
      batch.forEach((r, j) => {
        this.drift?.observe(r.features);
        if (scores.hybrid[j] < threshold) return;
        const f = this.finding(r, scores.hybrid[j], scores.lightgbm[j], scores.bilstm[j], threshold);
        if (f) out.push(f);
      });
    }
    this.windowsScored += rows.length;
    this.findings += out.length;
    return out;
  }

  /** Undefined when no substantial contributor maps to a technique (held as context, see WindowAttributor). */
  private finding(
    r: WindowRow<Event>,
    score: number,
    lgbm: number,
    lstm: number,
    threshold: number,
  ): Finding | undefined {
    const ranked = this.ranker?.rank(r.features) ?? [];
    const attribution = this.attributor.attribute(
      `${r.entityType}:${r.entity}`,
      ranked,
      r.windowStart,
      score,
      r.facts,
    );
    if (!attribution) return undefined;
    const contributions = attribution.contributions;
    const start = new Date(r.windowStart).toISOString();
    const end = new Date(r.windowStart + WINDOW_MS).toISOString();
    const top = attribution.listed;
    const events = r.refs;
    return {
      ruleId: 'apt.model.hybrid',
      ruleName: `Hybrid model: unusual ${r.entityType} activity`,
      detector: 'model',
      techniqueIds: attribution.techniqueIds,
      severity: severityFor(Math.round(score * 100)),
      riskScore: Math.round(score * 100),
      explanation:
        `The hybrid model scored ${r.entityType} ${r.entity} at ${score.toFixed(3)} (threshold ${threshold.toFixed(3)}; ` +
        `LightGBM ${lgbm.toFixed(3)}, Bi-LSTM ${lstm.toFixed(3)}) for ${r.eventCount} events between ${start} and ${end}` +
        `; top contributing features (TreeSHAP on LightGBM): ${top}; ${attribution.text}.`,
      host: r.entityType === 'host' ? r.entity : undefined,
      user: r.entityType === 'user' ? r.entity : undefined,
      firstSeen: events.length ? events[0]['@timestamp'] : start,
      lastSeen: events.length ? events[events.length - 1]['@timestamp'] : end,
      evidence: events.map((e) => evidenceRef(e)),
      events,
      contributions,
    };
  }
}
