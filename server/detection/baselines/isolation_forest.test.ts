/**
 * Our Isolation Forest against scikit-learn's on the same data: the fixture (written by scripts/train/train.py)
 * holds benign training windows, labelled test windows and sklearn's ROC-AUC; ours must come within 0.02.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import {
  averagePathLength,
  compactForest,
  fitIsolationForest,
  scoreIsolationForest,
} from './isolation_forest';

interface Fixture {
  features: string[];
  train: number[][];
  test: number[][];
  labels: number[];
  sklearnRocAuc: number;
  nEstimators: number;
  maxSamples: number;
}

/** ROC-AUC as the Mann-Whitney statistic (ties count one half). */
function rocAuc(labels: number[], scores: number[]): number {
  const idx = scores.map((s, i) => [s, labels[i]] as const).sort((a, b) => a[0] - b[0]);
  let rankSumPos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j < idx.length && idx[j][0] === idx[i][0]) j++;
    const avgRank = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (idx[k][1] === 1) rankSumPos += avgRank;
    i = j;
  }
  const pos = labels.filter((l) => l === 1).length;
  const neg = labels.length - pos;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

const fx = JSON.parse(
  zlib
    .gunzipSync(fs.readFileSync(path.join(__dirname, 'fixtures', 'isolation_forest_comparison.json.gz')))
    .toString('utf8'),
) as Fixture;

describe('isolation forest vs scikit-learn', () => {
  it('has a meaningful fixture', () => {
    expect(fx.train.length).toBeGreaterThan(500);
    expect(fx.labels.filter((l) => l === 1).length).toBeGreaterThan(20);
    expect(fx.labels.filter((l) => l === 0).length).toBeGreaterThan(200);
    expect(fx.sklearnRocAuc).toBeGreaterThan(0.55);
  });

  it('reaches scikit-learn ROC-AUC within 0.02 (mean of 5 seeds, as the fixture)', () => {
    const aucs = [0, 1, 2, 3, 4].map((seed) => {
      const model = fitIsolationForest(fx.train, {
        nEstimators: fx.nEstimators,
        maxSamples: fx.maxSamples,
        seed: 1000 + seed,
      });
      return rocAuc(
        fx.labels,
        fx.test.map((x) => scoreIsolationForest(model, x).score),
      );
    });
    const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
    console.log(
      `isolation forest ROC-AUC ours ${mean.toFixed(4)} (seeds ${aucs.map((a) => a.toFixed(4)).join(' ')}), sklearn ${fx.sklearnRocAuc}`,
    );
    expect(Math.abs(mean - fx.sklearnRocAuc)).toBeLessThanOrEqual(0.02);
  });
});

describe('isolation forest basics', () => {
  const rows = Array.from({ length: 300 }, (_, i) => [Math.sin(i) * 0.1, Math.cos(i * 1.3) * 0.1]);

  it('scores an outlier above inliers, in [0, 1], naming the feature that isolates it', () => {
    // The outlier is part of the training data, as anomalies are in an entity's history.
    const model = fitIsolationForest([...rows, [0, 5]], { seed: 3 });
    const inlier = scoreIsolationForest(model, [0, 0]);
    const outlier = scoreIsolationForest(model, [0, 5]);
    expect(outlier.score).toBeGreaterThan(inlier.score + 0.15);
    expect(outlier.score).toBeLessThanOrEqual(1);
    expect(inlier.score).toBeGreaterThan(0);
    expect(outlier.featureShare[1]).toBeGreaterThan(outlier.featureShare[0]);
  });

  it('is deterministic for a seed and survives a JSON round trip', () => {
    const a = fitIsolationForest(rows, { seed: 9, nEstimators: 20 });
    const b = JSON.parse(JSON.stringify(fitIsolationForest(rows, { seed: 9, nEstimators: 20 })));
    expect(scoreIsolationForest(b, [0.3, -0.2]).score).toBe(scoreIsolationForest(a, [0.3, -0.2]).score);
  });

  it('rejects bad input naming the row and feature', () => {
    expect(() =>
      fitIsolationForest([
        [1, 2],
        [1, NaN],
      ]),
    ).toThrow(/row 1 feature 1/);
    expect(() => fitIsolationForest([])).toThrow(/no training rows/);
  });

  it('uses the standard normaliser c(n)', () => {
    expect(averagePathLength(256)).toBeCloseTo(10.2447, 3);
  });
});

describe('isolation forest served from typed arrays', () => {
  it('scores and attributes exactly as the plain forest it was made from, after a JSON round trip', () => {
    const rand = (i: number): number => ((i * 2654435761) % 1000) / 1000;
    const rows = Array.from({ length: 400 }, (_, i) => [rand(i), rand(i + 7) * 3, i % 5]);
    const plain = JSON.parse(JSON.stringify(fitIsolationForest(rows, { seed: 11, nEstimators: 30 })));
    const compact = compactForest(plain);
    expect(compact.trees[0].feature).toBeInstanceOf(Int32Array);
    for (const x of [rows[0], rows[123], [5, -2, 9]])
      expect(scoreIsolationForest(compact, x)).toEqual(scoreIsolationForest(plain, x));
  });
});
