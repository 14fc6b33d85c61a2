import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as ort from 'onnxruntime-node';
import { FEATURE_COUNT, FEATURE_SCHEMA_VERSION, SEQ_LEN, SEQ_NUMERIC, WINDOW_FEATURES } from '../../../common/features/schema';
import {
  componentCardSchema,
  hybridCardSchema,
  ModelLoadError,
  readCard,
  type Combiner,
  type ComponentCard,
  type HybridCard,
} from './model_card';
import { InferenceThread } from './inference_thread';
import { LatencyRecorder } from './latency';
import { TreeShap } from './tree_shap';

/**
 * The hybrid model: LightGBM on window features and a Bi-LSTM on event sequences (two ONNX files), combined as
 * the hybrid card says. Sessions are created once; `score` runs one batch through both.
 */

export interface HybridInputs {
  n: number;
  /** n x FEATURE_COUNT, row-major. */
  features: Float32Array;
  /** n x SEQ_LEN token ids. */
  tokens: BigInt64Array;
  /** n x SEQ_LEN x SEQ_NUMERIC. */
  numeric: Float32Array;
}

export interface HybridScores {
  lightgbm: Float64Array;
  bilstm: Float64Array;
  hybrid: Float64Array;
}

export interface HybridModelOptions {
  directory: string;
  intraOpThreads?: number;
  /** Check each ONNX file against the sha256 in its card (default true). */
  verifyHashes?: boolean;
  /**
   * Run the ONNX sessions in a worker thread (default false): `score` then returns while inference runs on another
   * core, so a caller that awaits it later (the pipeline runs the rules and detectors meanwhile) overlaps the two.
   */
  inferenceThread?: boolean;
}

/** Raw outputs of one batch: LightGBM probabilities (n x 2) and the Bi-LSTM score (n). */
interface RawOutputs {
  probs: Float32Array;
  lstm: Float32Array;
}

/** Where the two sessions run: in this thread or in an InferenceThread. */
interface Sessions {
  run(inp: HybridInputs): Promise<RawOutputs>;
  release(): Promise<void>;
}

function localSessions(lgbm: ort.InferenceSession, lstm: ort.InferenceSession, lgbmOutput: string): Sessions {
  return {
    run: async (inp) => {
      const { n } = inp;
      const [a, b] = await Promise.all([
        // Fetch only the probabilities: LightGBM's int64 label output is unused.
        lgbm.run({ features: new ort.Tensor('float32', inp.features, [n, FEATURE_COUNT]) }, [lgbmOutput]),
        lstm.run({
          tokens: new ort.Tensor('int64', inp.tokens, [n, SEQ_LEN]),
          numeric: new ort.Tensor('float32', inp.numeric, [n, SEQ_LEN, SEQ_NUMERIC.length]),
        }),
      ]);
      return { probs: a[lgbmOutput].data as Float32Array, lstm: b.score.data as Float32Array };
    },
    release: async () => {
      await Promise.all([lgbm.release(), lstm.release()]);
    },
  };
}

function threadSessions(thread: InferenceThread, lgbmOutput: string): Sessions {
  return {
    run: (inp) =>
      thread.run(
        {
          n: inp.n,
          features: inp.features,
          featureCount: FEATURE_COUNT,
          tokens: inp.tokens,
          numeric: inp.numeric,
          seqLen: SEQ_LEN,
          seqNumeric: SEQ_NUMERIC.length,
        },
        lgbmOutput,
      ),
    release: () => thread.release(),
  };
}

function probabilitiesOutput(names: readonly string[]): string {
  const out = names.find((n) => n.startsWith('prob'));
  if (!out) throw new ModelLoadError(`lightgbm.onnx has no probabilities output (${names.join(', ')})`);
  return out;
}

function clampP(p: number): number {
  return Math.min(1 - 1e-6, Math.max(1e-6, p));
}

function logit(p: number): number {
  const c = clampP(p);
  return Math.log(c / (1 - c));
}

export function combineScores(c: Combiner, p1: number, p2: number): number {
  if (c.kind === 'weights') return c.wLgbm * p1 + c.wLstm * p2;
  return 1 / (1 + Math.exp(-(c.a * logit(p1) + c.b * logit(p2) + c.c)));
}

function checkSchema(card: { name: string; featureSchemaVersion: string }): void {
  if (card.featureSchemaVersion !== FEATURE_SCHEMA_VERSION)
    throw new ModelLoadError(
      `model ${card.name} was trained on feature schema ${card.featureSchemaVersion}, serving uses ` +
        `${FEATURE_SCHEMA_VERSION}: retrain with npm run train`,
    );
}

async function loadExplainer(
  card: ComponentCard,
  read: (name: string, sha256: string) => Promise<Buffer>,
): Promise<TreeShap> {
  const e = card.explainer;
  if (!e) throw new ModelLoadError('lightgbm.card.json names no explainer (trees dump): retrain with npm run train');
  const bytes = await read(e.file, e.sha256);
  let explainer: TreeShap;
  try {
    // Routed as ONNX routes (float32 thresholds): the explanation must be of the model that gave the score.
    explainer = new TreeShap(JSON.parse(bytes.toString('utf8')), { float32Thresholds: true });
  } catch (err) {
    throw new ModelLoadError(`${e.file}: ${(err as Error).message}`);
  }
  if (explainer.numFeatures !== FEATURE_COUNT)
    throw new ModelLoadError(`${e.file}: ${explainer.numFeatures} features, the schema has ${FEATURE_COUNT}`);
  return explainer;
}

export class HybridModel {
  readonly latency = new LatencyRecorder();

  private constructor(
    readonly card: HybridCard,
    readonly components: { lightgbm: ComponentCard; bilstm: ComponentCard },
    private readonly sessions: Sessions,
    /** Exact per-window attributions of the LightGBM component (TreeSHAP over its trees dump). */
    readonly explainer: TreeShap,
  ) {}

  static async load(opts: HybridModelOptions): Promise<HybridModel> {
    const dir = path.resolve(opts.directory);
    const card = readCard(dir, 'hybrid', hybridCardSchema);
    const lgbmCard = readCard(dir, 'lightgbm', componentCardSchema);
    const lstmCard = readCard(dir, 'bilstm', componentCardSchema);
    for (const c of [card, lgbmCard, lstmCard]) checkSchema(c);
    if (card.features.join(',') !== WINDOW_FEATURES.join(','))
      throw new ModelLoadError(`model hybrid: its feature list differs from schema ${FEATURE_SCHEMA_VERSION}`);
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: opts.intraOpThreads ?? 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    };
    const read = async (name: string, sha256: string): Promise<Buffer> => {
      const file = path.join(dir, name);
      if (!fs.existsSync(file)) throw new ModelLoadError(`model file ${file} is missing: run npm run train`);
      const bytes = await fs.promises.readFile(file);
      if (opts.verifyHashes !== false) {
        const sha = crypto.createHash('sha256').update(bytes).digest('hex');
        if (sha !== sha256) throw new ModelLoadError(`model file ${file}: sha256 ${sha} differs from its card (${sha256})`);
      }
      return bytes;
    };
    let sessions: Sessions;
    if (opts.inferenceThread) {
      const spec = async (c: ComponentCard): Promise<{ bytes: Uint8Array; options: Record<string, unknown> }> => ({
        bytes: await read(c.file, c.sha256),
        options: { ...sessionOptions },
      });
      const thread = await InferenceThread.start(await spec(lgbmCard), await spec(lstmCard));
      let output: string;
      try {
        output = probabilitiesOutput(thread.lgbmOutputs);
      } catch (err) {
        await thread.release();
        throw err;
      }
      sessions = threadSessions(thread, output);
    } else {
      const open = async (c: ComponentCard): Promise<ort.InferenceSession> =>
        ort.InferenceSession.create(await read(c.file, c.sha256), sessionOptions);
      const lgbm = await open(lgbmCard);
      const lstm = await open(lstmCard);
      sessions = localSessions(lgbm, lstm, probabilitiesOutput(lgbm.outputNames));
    }
    const explainer = await loadExplainer(lgbmCard, read).catch(async (err: unknown) => {
      await sessions.release();
      throw err;
    });
    return new HybridModel(card, { lightgbm: lgbmCard, bilstm: lstmCard }, sessions, explainer);
  }

  get version(): string {
    return this.card.version;
  }

  get threshold(): number {
    return this.card.threshold;
  }

  async score(inp: HybridInputs): Promise<HybridScores> {
    const { n } = inp;
    if (inp.features.length !== n * FEATURE_COUNT)
      throw new Error(`features: expected ${n * FEATURE_COUNT} values, got ${inp.features.length}`);
    if (inp.tokens.length !== n * SEQ_LEN) throw new Error(`tokens: expected ${n * SEQ_LEN} values, got ${inp.tokens.length}`);
    if (inp.numeric.length !== n * SEQ_LEN * SEQ_NUMERIC.length)
      throw new Error(`numeric: expected ${n * SEQ_LEN * SEQ_NUMERIC.length} values, got ${inp.numeric.length}`);
    const t0 = performance.now();
    const { probs, lstm } = await this.sessions.run(inp);
    const out: HybridScores = {
      lightgbm: new Float64Array(n),
      bilstm: new Float64Array(n),
      hybrid: new Float64Array(n),
    };
    for (let i = 0; i < n; i++) {
      out.lightgbm[i] = probs[2 * i + 1];
      out.bilstm[i] = lstm[i];
      out.hybrid[i] = combineScores(this.card.combiner, out.lightgbm[i], out.bilstm[i]);
    }
    this.latency.record(performance.now() - t0);
    return out;
  }

  async release(): Promise<void> {
    await this.sessions.release();
  }
}
