import type { FeatureHistogram } from './model_card';
import { binIndex } from './psi';

/**
 * Top contributing features of one window, for the analyst: how unusual each value is against the training
 * distribution, weighted by the feature's share of LightGBM's total gain. Not an exact attribution (no SHAP in
 * ONNX), but it names the features that are both extreme and influential.
 *
 * Unusual is two-sided tail rarity, 1 - 2 * min(P(X <= x), P(X >= x)), from the training histogram's bins (0 at
 * the median, near 1 in either tail). Tails rather than the bin's mid-percentile: most features have a large point
 * mass at 0, and a 0 that half the training windows share must not count as unusually low.
 */
export interface Contribution {
  feature: string;
  value: number;
  weight: number;
  /** In the upper tail (unusually high rather than unusually low). */
  high: boolean;
}

/**
 * The card's edges are the training deciles (scripts/train/train.py `histograms`, bins=10, duplicates merged), so
 * the last edge is the 90th percentile: a value strictly above it is at or above at most 10% of training windows,
 * whatever the last bin's share says. This is what lets a feature that was almost always 0 in training (LSASS
 * access, log clearing) count as unusual when it is not.
 */
const ABOVE_LAST_EDGE_MAX = 0.1;

export class ContributionRanker {
  private readonly share: number[];

  constructor(
    private readonly features: readonly string[],
    private readonly histograms: Record<string, FeatureHistogram>,
    gain: Record<string, number> | undefined,
  ) {
    const total = features.reduce((s, f) => s + (gain?.[f] ?? 1), 0) || 1;
    this.share = features.map((f) => (gain?.[f] ?? 1) / total);
  }

  top(row: ArrayLike<number>, k = 3): Contribution[] {
    return this.rank(row).slice(0, k);
  }

  /** Every feature with a positive weight, largest first (ties by name, so the order is stable). */
  rank(row: ArrayLike<number>): Contribution[] {
    const out: Contribution[] = [];
    this.features.forEach((f, j) => {
      const h = this.histograms[f];
      if (!h) return;
      const b = binIndex(h.edges, row[j]);
      let below = 0;
      for (let i = 0; i < b; i++) below += h.fractions[i];
      const atOrBelow = below + h.fractions[b];
      const aboveLast = b === h.edges.length && h.edges.length > 0 && row[j] > h.edges[h.edges.length - 1];
      const atOrAbove = aboveLast ? Math.min(1 - below, ABOVE_LAST_EDGE_MAX) : 1 - below;
      const unusual = Math.max(0, 1 - 2 * Math.min(atOrBelow, atOrAbove));
      const weight = this.share[j] * unusual;
      if (weight > 0)
        out.push({
          feature: f,
          value: Math.round(row[j] * 1000) / 1000,
          weight: Math.round(weight * 10000) / 10000,
          high: atOrAbove < atOrBelow,
        });
    });
    return out.sort((a, b) => b.weight - a.weight || (a.feature < b.feature ? -1 : 1));
  }
}
