/**
 * @jest-environment ./server/detection/models/ort_test_environment.js
 */
/**
 * Node onnxruntime must give the scores Python's onnxruntime gave on 1,000 fixed test windows (fixture written
 * by scripts/train/train.py together with the committed models), and a missing or mismatched model must fail
 * clearly while leaving an inert scorer.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { FEATURE_COUNT, SEQ_LEN, SEQ_NUMERIC } from '../../../common/features/schema';
import { makeEvent } from '../detectors/test_events';
import { HybridModel } from './hybrid_model';
import { HybridScorer } from './hybrid_scorer';
import { liveModels } from './registry';

const MODELS = path.resolve(__dirname, '..', '..', '..', 'models');
const FIXTURE = path.join(__dirname, 'fixtures', 'onnx_parity.json');

interface ParityFixture {
  n: number;
  modelVersion: string;
  features: string;
  tokens: string;
  numeric: string;
  lightgbm: number[];
  bilstm: number[];
  hybrid: number[];
}

function unpack(b64: string): Buffer {
  return zlib.gunzipSync(Buffer.from(b64, 'base64'));
}

/** The parity fixture's inputs as the typed arrays the model takes. */
function fixtureInputs(fx: ParityFixture): { features: Float32Array; tokens: BigInt64Array; numeric: Float32Array } {
  const f = unpack(fx.features);
  const t = unpack(fx.tokens);
  const s = unpack(fx.numeric);
  return {
    features: new Float32Array(f.buffer, f.byteOffset, f.byteLength / 4),
    tokens: new BigInt64Array(t.buffer.slice(t.byteOffset, t.byteOffset + t.byteLength)),
    numeric: new Float32Array(s.buffer, s.byteOffset, s.byteLength / 4),
  };
}

describe('hybrid model: Node scores equal Python onnxruntime scores', () => {
  const fx = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as ParityFixture;
  let model: HybridModel;
  beforeAll(async () => {
    model = await HybridModel.load({ directory: MODELS, intraOpThreads: 1 });
  });
  afterAll(async () => model?.release());

  it('loads the committed version the fixture was made with', () => {
    expect(model.version).toBe(fx.modelVersion);
    expect(fx.n).toBe(1000);
  });

  it('agrees within 1e-5 on 1,000 fixed inputs, in batches of different sizes', async () => {
    const { features, tokens, numeric } = fixtureInputs(fx);
    expect(features.length).toBe(fx.n * FEATURE_COUNT);
    const stride = SEQ_LEN * SEQ_NUMERIC.length;
    let worst = 0;
    for (const [from, to] of [
      [0, 1],
      [1, 300],
      [300, 1000],
    ]) {
      const out = await model.score({
        n: to - from,
        features: features.slice(from * FEATURE_COUNT, to * FEATURE_COUNT),
        tokens: tokens.slice(from * SEQ_LEN, to * SEQ_LEN),
        numeric: numeric.slice(from * stride, to * stride),
      });
      for (let i = from; i < to; i++) {
        worst = Math.max(
          worst,
          Math.abs(out.lightgbm[i - from] - fx.lightgbm[i]),
          Math.abs(out.bilstm[i - from] - fx.bilstm[i]),
          Math.abs(out.hybrid[i - from] - fx.hybrid[i]),
        );
      }
    }
    expect(worst).toBeLessThan(1e-5);
    // The fixture must not be degenerate: scores spread over the range.
    expect(Math.max(...fx.hybrid) - Math.min(...fx.hybrid)).toBeGreaterThan(0.5);
  });

  it("explains with the same trees ONNX runs: the SHAP values add up to LightGBM's score on every fixed input", () => {
    const f = unpack(fx.features);
    const features = new Float32Array(f.buffer, f.byteOffset, f.byteLength / 4);
    let worst = 0;
    for (let i = 0; i < fx.n; i++) {
      const row = features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
      const z = model.explainer.shap(row).reduce((a, b) => a + b, 0);
      worst = Math.max(worst, Math.abs(1 / (1 + Math.exp(-z)) - fx.lightgbm[i]));
    }
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('hybrid model: inference in a worker thread', () => {
  const fx = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as ParityFixture;
  let local: HybridModel;
  let threaded: HybridModel;
  beforeAll(async () => {
    local = await HybridModel.load({ directory: MODELS, intraOpThreads: 1 });
    threaded = await HybridModel.load({ directory: MODELS, intraOpThreads: 1, inferenceThread: true });
  });
  afterAll(async () => {
    await local?.release();
    await threaded?.release();
  });

  it('gives exactly the scores of in-thread inference, also for requests in flight together', async () => {
    const { features, tokens, numeric } = fixtureInputs(fx);
    const stride = SEQ_LEN * SEQ_NUMERIC.length;
    // Fresh copies per call: the threaded model moves its inputs' buffers to the worker.
    const slice = (from: number, to: number): Parameters<HybridModel['score']>[0] => ({
      n: to - from,
      features: features.slice(from * FEATURE_COUNT, to * FEATURE_COUNT),
      tokens: tokens.slice(from * SEQ_LEN, to * SEQ_LEN),
      numeric: numeric.slice(from * stride, to * stride),
    });
    const ranges: Array<[number, number]> = [
      [0, 1],
      [1, 300],
      [300, 1000],
    ];
    const threadedOut = await Promise.all(ranges.map(([a, b]) => threaded.score(slice(a, b))));
    for (const [k, [a, b]] of ranges.entries()) {
      const want = await local.score(slice(a, b));
      expect(Array.from(threadedOut[k].hybrid)).toEqual(Array.from(want.hybrid));
      expect(Array.from(threadedOut[k].lightgbm)).toEqual(Array.from(want.lightgbm));
      expect(Array.from(threadedOut[k].bilstm)).toEqual(Array.from(want.bilstm));
    }
    expect(threaded.latency.summary().count).toBe(3);
  });

  it('rejects requests after release instead of hanging', async () => {
    const m = await HybridModel.load({ directory: MODELS, intraOpThreads: 1, inferenceThread: true });
    await m.release();
    const one = {
      n: 1,
      features: new Float32Array(FEATURE_COUNT),
      tokens: new BigInt64Array(SEQ_LEN),
      numeric: new Float32Array(SEQ_LEN * SEQ_NUMERIC.length),
    };
    await expect(m.score(one)).rejects.toThrow(/released/);
  });
});

describe('hybrid model: failures', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'models-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names the missing card', async () => {
    await expect(HybridModel.load({ directory: dir })).rejects.toThrow(/hybrid\.card\.json is missing/);
  });

  it('refuses a model trained on another feature-schema version', async () => {
    for (const f of fs.readdirSync(MODELS)) fs.copyFileSync(path.join(MODELS, f), path.join(dir, f));
    const card = JSON.parse(fs.readFileSync(path.join(dir, 'bilstm.card.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'bilstm.card.json'), JSON.stringify({ ...card, featureSchemaVersion: 'fs-0' }));
    await expect(HybridModel.load({ directory: dir })).rejects.toThrow(/feature schema fs-0.*retrain/);
  });

  it('refuses a trees dump that differs from its card (the explanation would not be of this model)', async () => {
    for (const f of fs.readdirSync(MODELS)) fs.copyFileSync(path.join(MODELS, f), path.join(dir, f));
    fs.appendFileSync(path.join(dir, 'lightgbm.trees.json'), ' ');
    await expect(HybridModel.load({ directory: dir })).rejects.toThrow(/lightgbm\.trees\.json: sha256 .* differs from its card/);
  });

  it('names a missing ONNX file and leaves an inert scorer that returns no findings', async () => {
    for (const f of fs.readdirSync(MODELS)) if (f !== 'lightgbm.onnx') fs.copyFileSync(path.join(MODELS, f), path.join(dir, f));
    const warnings: string[] = [];
    const scorer = await HybridScorer.create({ directory: dir, logger: { warn: (m) => warnings.push(m) } });
    expect(scorer.loaded).toBe(false);
    expect(warnings[0]).toMatch(/lightgbm\.onnx is missing/);
    const ev = makeEvent({ time: '2025-03-03T10:00:00Z', eventId: 4624, data: { TargetUserName: 'bob', LogonType: '3' } });
    await expect(scorer.scoreBatch([ev])).resolves.toEqual([]);
    expect(liveModels().some((m) => m.loaded === false && /lightgbm\.onnx/.test(m.error ?? ''))).toBe(true);
  });
});
