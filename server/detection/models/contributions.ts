import { featureDisplayValue } from '../../../common/features/schema';
import type { FeatureHistogram } from './model_card';
import { binIndex } from './psi';
import type { TreeShap } from './tree_shap';

/**
 * Top contributing features of one window, for the analyst: the features whose values pushed the LightGBM
 * component's score up, by their exact SHAP values (TreeSHAP over the model's trees, tree_shap.ts), in log-odds.
 * Only positive contributions are listed: a feature that argued against the alert does not explain it.
 *
 * Each contributor also says which tail of the training distribution its value sits in, because only an unusually
 * HIGH value is evidence of the technique the feature points to: one missing its usual traffic, or a typical value
 * the trees happened to split on, is not (feature_techniques.ts). Tails are read from the card's training histogram (two-sided: P(X <= x) against
 * P(X >= x)), not from the bin's mid-percentile, because most features have a large point mass at 0 and a 0 that
 * half the training windows share must not count as unusually low.
 */
export interface Contribution {
  feature: string;
  value: number;
  /** SHAP value in log-odds (positive: towards an alert). */
  weight: number;
  /** Only 'high' values supply ATT&CK techniques (see RankedContribution). */
  high: boolean;
  tail: 'high' | 'low' | 'typical';
}

/**
 * The card's edges are the training deciles (scripts/train/train.py `histograms`, bins=10, duplicates merged), so
 * the last edge is the 90th percentile: a value strictly above it is at or above at most 10% of training windows,
 * whatever the last bin's share says.
 */
const ABOVE_LAST_EDGE_MAX = 0.1;

/** Values whose rarer tail still holds at least this share of training windows are typical (central half). */
const TYPICAL_TAIL_SHARE = 0.25;

/** Which tail of the training histogram x sits in, or 'typical' when neither tail is rare. */
function trainingTail(h: FeatureHistogram | undefined, x: number): 'high' | 'low' | 'typical' {
  if (!h) return 'high';
  const b = binIndex(h.edges, x);
  let below = 0;
  for (let i = 0; i < b; i++) below += h.fractions[i];
  const atOrBelow = below + h.fractions[b];
  const aboveLast = b === h.edges.length && h.edges.length > 0 && x > h.edges[h.edges.length - 1];
  const atOrAbove = aboveLast ? Math.min(1 - below, ABOVE_LAST_EDGE_MAX) : 1 - below;
  if (Math.min(atOrAbove, atOrBelow) >= TYPICAL_TAIL_SHARE) return 'typical';
  return atOrAbove < atOrBelow ? 'high' : 'low';
}

export class ShapRanker {
  constructor(
    private readonly features: readonly string[],
    private readonly histograms: Record<string, FeatureHistogram>,
    private readonly explainer: TreeShap,
  ) {}

  /** Every feature with a positive SHAP value, largest first (ties by name, so the order is stable). */
  rank(row: ArrayLike<number>): Contribution[] {
    const phi = this.explainer.shap(row);
    const out: Contribution[] = [];
    this.features.forEach((f, j) => {
      const weight = Math.round(phi[j] * 10000) / 10000;
      if (weight <= 0) return;
      const tail = trainingTail(this.histograms[f], row[j]);
      out.push({ feature: f, value: featureDisplayValue(f, row[j]), weight, high: tail === 'high', tail });
    });
    return out.sort((a, b) => b.weight - a.weight || (a.feature < b.feature ? -1 : 1));
  }
}
