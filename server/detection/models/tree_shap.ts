/**
 * Exact per-row feature attributions (SHAP values) of a LightGBM model, from its compact tree dump
 * (scripts/train/tree_dump.py). ONNX runs the model; this explains a row once the model has flagged it.
 *
 * The algorithm is TreeSHAP with path-dependent feature perturbation (Lundberg, Erion & Lee, "Consistent
 * Individualized Feature Attribution for Tree Ensembles", 2018, Algorithm 2), the one LightGBM itself runs for
 * `predict(pred_contrib=True)` (src/io/tree.cpp, Tree::TreeSHAP). The node "cover" is the number of training rows
 * that reached the node, which is why the dump keeps LightGBM's counts. Values are in the model's raw score space
 * (log-odds for a binary model): they add up, with the bias, to the raw score of the row.
 */
import { z } from 'zod';

const treeSchema = z
  .object({
    splitFeature: z.array(z.number().int().nonnegative()),
    threshold: z.array(z.number()),
    defaultLeft: z.array(z.boolean()),
    /** 0 None, 1 Zero, 2 NaN: LightGBM's MissingType. */
    missingType: z.array(z.union([z.literal(0), z.literal(1), z.literal(2)])),
    left: z.array(z.number().int()),
    right: z.array(z.number().int()),
    internalCount: z.array(z.number().nonnegative()),
    leafValue: z.array(z.number()).min(1),
    leafCount: z.array(z.number().nonnegative()),
  })
  .superRefine((t, ctx) => {
    const n = t.splitFeature.length;
    for (const k of ['threshold', 'defaultLeft', 'missingType', 'left', 'right', 'internalCount'] as const)
      if (t[k].length !== n) ctx.addIssue({ code: 'custom', path: [k], message: `has ${t[k].length} entries, not ${n}` });
    if (t.leafCount.length !== t.leafValue.length)
      ctx.addIssue({ code: 'custom', path: ['leafCount'], message: 'differs in length from leafValue' });
    if (n > 0 && t.leafValue.length !== n + 1)
      ctx.addIssue({ code: 'custom', path: ['leafValue'], message: `a tree with ${n} splits has ${n + 1} leaves` });
    const inRange = (c: number): boolean => (c >= 0 ? c < n : ~c < t.leafValue.length);
    t.left.forEach((c, i) => {
      if (!inRange(c)) ctx.addIssue({ code: 'custom', path: ['left', i], message: `child ${c} out of range` });
    });
    t.right.forEach((c, i) => {
      if (!inRange(c)) ctx.addIssue({ code: 'custom', path: ['right', i], message: `child ${c} out of range` });
    });
  });

export const treeDumpSchema = z.object({
  format: z.literal('lightgbm-trees-1'),
  numFeatures: z.number().int().positive(),
  featureNames: z.array(z.string()),
  trees: z.array(treeSchema).min(1),
});

export type TreeDump = z.infer<typeof treeDumpSchema>;
type Tree = TreeDump['trees'][number];

/**
 * The paths of unique features from the root (the paper's m), one segment per recursion level in shared buffers as
 * LightGBM lays them out: a child's segment starts where its parent's used part ends, so a sibling still finds
 * the parent's path intact, and nothing is allocated per node.
 */
class PathBuffer {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;

  constructor(maxDepth: number) {
    const n = ((maxDepth + 2) * (maxDepth + 3)) / 2;
    this.feature = new Int32Array(n);
    this.zero = new Float64Array(n);
    this.one = new Float64Array(n);
    this.weight = new Float64Array(n);
  }
}

/** LightGBM's kZeroThreshold: |x| at or below it counts as zero for MissingType Zero. */
const ZERO_THRESHOLD = 1e-35;

export class TreeShap {
  readonly numFeatures: number;
  readonly featureNames: readonly string[];
  private readonly trees: Tree[];
  private readonly paths: PathBuffer;

  /**
   * `float32Thresholds`: compare against the thresholds rounded to float32, as the ONNX export does (onnxmltools
   * stores them as floats), so a value that falls between the two roundings goes the way the served model sends it.
   * Off, routing is LightGBM's own (double thresholds).
   */
  constructor(dump: unknown, opts: { float32Thresholds?: boolean } = {}) {
    const parsed = treeDumpSchema.safeParse(dump);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`invalid tree dump at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    this.numFeatures = parsed.data.numFeatures;
    this.featureNames = parsed.data.featureNames;
    this.trees = opts.float32Thresholds
      ? parsed.data.trees.map((t) => ({ ...t, threshold: t.threshold.map((x) => Math.fround(x)) }))
      : parsed.data.trees;
    this.paths = new PathBuffer(Math.max(0, ...this.trees.map(maxDepth)));
    this.trees.forEach((t, i) => {
      const bad = t.splitFeature.find((f) => f >= this.numFeatures);
      if (bad !== undefined) throw new Error(`invalid tree dump at trees.${i}: split on feature ${bad} of ${this.numFeatures}`);
    });
  }

  /** The raw score (sum of the leaves the row reaches), as LightGBM's `raw_score=True`. */
  raw(row: ArrayLike<number>): number {
    let s = 0;
    for (const t of this.trees) {
      let node = 0;
      if (t.splitFeature.length > 0) while (node >= 0) node = next(t, node, row[t.splitFeature[node]]);
      s += t.leafValue[t.splitFeature.length > 0 ? ~node : 0];
    }
    return s;
  }

  /** SHAP value per feature, then the bias (expected raw score) last: numFeatures + 1 entries. */
  shap(row: ArrayLike<number>): Float64Array {
    const phi = new Float64Array(this.numFeatures + 1);
    for (const t of this.trees) {
      if (t.splitFeature.length === 0) {
        phi[this.numFeatures] += t.leafValue[0];
        continue;
      }
      phi[this.numFeatures] += expectedValue(t);
      recurse(t, row, phi, this.paths, 0, 0, 0, 1, 1, -1);
    }
    return phi;
  }
}

function isZero(x: number): boolean {
  return x >= -ZERO_THRESHOLD && x <= ZERO_THRESHOLD;
}

/** LightGBM's NumericalDecision (src/io/tree.h): NaN counts as 0 unless missing values have their own branch. */
function next(t: Tree, node: number, value: number): number {
  let x = value;
  const missing = t.missingType[node];
  if (Number.isNaN(x) && missing !== 2) x = 0;
  if ((missing === 1 && isZero(x)) || (missing === 2 && Number.isNaN(x)))
    return t.defaultLeft[node] ? t.left[node] : t.right[node];
  return x <= t.threshold[node] ? t.left[node] : t.right[node];
}

function cover(t: Tree, node: number): number {
  return node >= 0 ? t.internalCount[node] : t.leafCount[~node];
}

function expectedValue(t: Tree): number {
  const total = t.leafCount.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  let s = 0;
  t.leafValue.forEach((v, i) => (s += (v * t.leafCount[i]) / total));
  return s;
}

function extendPath(b: PathBuffer, p: number, depth: number, zero: number, one: number, feature: number): void {
  b.feature[p + depth] = feature;
  b.zero[p + depth] = zero;
  b.one[p + depth] = one;
  b.weight[p + depth] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    b.weight[p + i + 1] += (one * b.weight[p + i] * (i + 1)) / (depth + 1);
    b.weight[p + i] = (zero * b.weight[p + i] * (depth - i)) / (depth + 1);
  }
}

function unwindPath(b: PathBuffer, p: number, depth: number, index: number): void {
  const one = b.one[p + index];
  const zero = b.zero[p + index];
  let nextOne = b.weight[p + depth];
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = b.weight[p + i];
      b.weight[p + i] = (nextOne * (depth + 1)) / ((i + 1) * one);
      nextOne = tmp - (b.weight[p + i] * zero * (depth - i)) / (depth + 1);
    } else {
      b.weight[p + i] = (b.weight[p + i] * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    b.feature[p + i] = b.feature[p + i + 1];
    b.zero[p + i] = b.zero[p + i + 1];
    b.one[p + i] = b.one[p + i + 1];
  }
}

function unwoundPathSum(b: PathBuffer, p: number, depth: number, index: number): number {
  const one = b.one[p + index];
  const zero = b.zero[p + index];
  let nextOne = b.weight[p + depth];
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (nextOne * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      nextOne = b.weight[p + i] - tmp * zero * ((depth - i) / (depth + 1));
    } else {
      total += b.weight[p + i] / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

/**
 * One node of Algorithm 2: `depth` elements of the parent's path (at offset `parent`) are copied to this level's
 * segment and extended with the split that led here.
 */
function recurse(
  t: Tree,
  row: ArrayLike<number>,
  phi: Float64Array,
  b: PathBuffer,
  node: number,
  parent: number,
  depthIn: number,
  parentZero: number,
  parentOne: number,
  parentFeature: number,
): void {
  let depth = depthIn;
  const p = parent + depth;
  if (depth > 0) {
    b.feature.copyWithin(p, parent, parent + depth);
    b.zero.copyWithin(p, parent, parent + depth);
    b.one.copyWithin(p, parent, parent + depth);
    b.weight.copyWithin(p, parent, parent + depth);
  }
  extendPath(b, p, depth, parentZero, parentOne, parentFeature);
  if (node < 0) {
    const leaf = t.leafValue[~node];
    for (let i = 1; i <= depth; i++) {
      const w = unwoundPathSum(b, p, depth, i);
      phi[b.feature[p + i]] += w * (b.one[p + i] - b.zero[p + i]) * leaf;
    }
    return;
  }
  const feature = t.splitFeature[node];
  const hot = next(t, node, row[feature]);
  const cold = hot === t.left[node] ? t.right[node] : t.left[node];
  const w = cover(t, node);
  const hotZero = w > 0 ? cover(t, hot) / w : 0;
  const coldZero = w > 0 ? cover(t, cold) / w : 0;
  let incomingZero = 1;
  let incomingOne = 1;
  // A feature already on the path is undone here and redone with this split's fractions.
  let index = 0;
  while (index <= depth && b.feature[p + index] !== feature) index++;
  if (index <= depth) {
    incomingZero = b.zero[p + index];
    incomingOne = b.one[p + index];
    unwindPath(b, p, depth, index);
    depth -= 1;
  }
  recurse(t, row, phi, b, hot, p, depth + 1, hotZero * incomingZero, incomingOne, feature);
  recurse(t, row, phi, b, cold, p, depth + 1, coldZero * incomingZero, 0, feature);
}

/** Depth of the deepest leaf (the root is depth 0). */
function maxDepth(t: Tree): number {
  const walk = (node: number): number => (node < 0 ? 0 : 1 + Math.max(walk(t.left[node]), walk(t.right[node])));
  return t.splitFeature.length === 0 ? 0 : walk(0);
}
