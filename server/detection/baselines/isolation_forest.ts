/**
 * Isolation Forest (Liu, Ting & Zhou 2008), as scikit-learn implements it: each tree is grown on a subsample of
 * `maxSamples` rows without replacement up to depth ceil(log2(maxSamples)); a node splits on a random
 * non-constant feature at a uniform random value; the anomaly score is 2^(-E[h(x)] / c(maxSamples)) in (0, 1].
 * Our own implementation: the maintained npm packages we looked at either lack seeding, serialization or
 * per-feature attribution. Trees are flat arrays so a model is plain JSON (stored in Elasticsearch).
 */
import { mulberry32 } from '../../../common/prng';

export interface IsolationForestOptions {
  nEstimators?: number;
  maxSamples?: number;
  seed?: number;
}

/** One tree, node i: feature[i] < 0 marks a leaf whose `size` is the number of training rows that reached it. */
export interface IsoTree {
  feature: ArrayLike<number>;
  threshold: ArrayLike<number>;
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  size: ArrayLike<number>;
}

/** A tree while it grows (plain arrays, which is also how it is serialized). */
interface GrowingTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  size: number[];
}

export interface IsolationForestModel {
  kind: 'isolation_forest';
  nFeatures: number;
  maxSamples: number;
  trees: IsoTree[];
}

export interface IsoScore {
  score: number;
  /**
   * Per feature (sums to 1): credit from every split on this row's isolation paths, weighted by how much of the
   * node's training sample that split separated the row from (1 - child size / node size).
   */
  featureShare: number[];
  /**
   * Per feature: the part of its credit earned by splits the row passed on the high side (value >= threshold),
   * 0..1. Above 0.5 the feature isolated the row by being unusually high, below by being unusually low.
   */
  featureHighShare: number[];
}

/** Average path length of an unsuccessful BST search among n points (the normaliser c(n)). */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649015329) - (2 * (n - 1)) / n;
}

export function fitIsolationForest(
  X: readonly (readonly number[])[],
  opts: IsolationForestOptions = {},
): IsolationForestModel {
  if (X.length === 0) throw new Error('fitIsolationForest: no training rows');
  const nFeatures = X[0].length;
  X.forEach((r, i) => {
    if (r.length !== nFeatures)
      throw new Error(`fitIsolationForest: row ${i} has ${r.length} values, expected ${nFeatures}`);
    r.forEach((v, j) => {
      if (!Number.isFinite(v))
        throw new Error(`fitIsolationForest: row ${i} feature ${j} is not a finite number`);
    });
  });
  const rand = mulberry32(opts.seed ?? 42);
  const psi = Math.min(opts.maxSamples ?? 256, X.length);
  const maxDepth = Math.ceil(Math.log2(Math.max(psi, 2)));
  const trees: IsoTree[] = [];
  for (let t = 0; t < (opts.nEstimators ?? 100); t++) {
    // Partial Fisher-Yates: the first psi entries are a sample without replacement.
    const idx = X.map((_, i) => i);
    for (let i = 0; i < psi; i++) {
      const j = i + Math.floor(rand() * (idx.length - i));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const tree: GrowingTree = { feature: [], threshold: [], left: [], right: [], size: [] };
    grow(tree, X, idx.slice(0, psi), 0, maxDepth, nFeatures, rand);
    trees.push(tree);
  }
  return { kind: 'isolation_forest', nFeatures, maxSamples: psi, trees };
}

function grow(
  tree: GrowingTree,
  X: readonly (readonly number[])[],
  rows: number[],
  depth: number,
  maxDepth: number,
  nFeatures: number,
  rand: () => number,
): number {
  const node = tree.feature.length;
  tree.feature.push(-1);
  tree.threshold.push(0);
  tree.left.push(-1);
  tree.right.push(-1);
  tree.size.push(rows.length);
  if (depth >= maxDepth || rows.length <= 1) return node;
  // Features with spread in this node, tried in random order (sklearn's splitter skips constant ones too).
  const order = Array.from({ length: nFeatures }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (const f of order) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of rows) {
      const v = X[r][f];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (!(hi > lo)) continue;
    let thr = lo + rand() * (hi - lo);
    if (thr <= lo) thr = (lo + hi) / 2;
    const l = rows.filter((r) => X[r][f] < thr);
    const rr = rows.filter((r) => X[r][f] >= thr);
    tree.feature[node] = f;
    tree.threshold[node] = thr;
    tree.left[node] = grow(tree, X, l, depth + 1, maxDepth, nFeatures, rand);
    tree.right[node] = grow(tree, X, rr, depth + 1, maxDepth, nFeatures, rand);
    return node;
  }
  return node; // every feature constant: a leaf
}

/**
 * The same forest in typed arrays, for serving: a loaded deployment keeps a forest per entity (hundreds), and plain
 * JSON arrays of numbers take several times the memory. Scores are identical (same values, same layout).
 */
export function compactForest(m: IsolationForestModel): IsolationForestModel {
  return {
    ...m,
    trees: m.trees.map((t) => ({
      feature: Int32Array.from(t.feature),
      threshold: Float64Array.from(t.threshold),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      size: Int32Array.from(t.size),
    })),
  };
}

export function scoreIsolationForest(model: IsolationForestModel, x: readonly number[]): IsoScore {
  if (x.length !== model.nFeatures)
    throw new Error(`scoreIsolationForest: ${x.length} values, model expects ${model.nFeatures}`);
  const share = new Array<number>(model.nFeatures).fill(0);
  const high = new Array<number>(model.nFeatures).fill(0);
  let total = 0;
  let credit = 0;
  for (const t of model.trees) {
    let node = 0;
    let depth = 0;
    while (t.feature[node] >= 0) {
      const f = t.feature[node];
      const isHigh = x[f] >= t.threshold[node];
      const next = isHigh ? t.right[node] : t.left[node];
      const w = t.size[node] > 0 ? 1 - t.size[next] / t.size[node] : 0;
      share[f] += w;
      if (isHigh) high[f] += w;
      credit += w;
      node = next;
      depth++;
    }
    total += depth + averagePathLength(t.size[node]);
  }
  const mean = total / model.trees.length;
  const score = Math.pow(2, -mean / averagePathLength(model.maxSamples));
  return {
    score,
    featureShare: share.map((s) => (credit > 0 ? s / credit : 0)),
    featureHighShare: share.map((s, f) => (s > 0 ? high[f] / s : 0)),
  };
}
