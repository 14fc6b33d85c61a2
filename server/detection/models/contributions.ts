import type { FeatureHistogram } from './model_card';
import { binIndex } from './psi';

/**
 * Top contributing features of one window, for the analyst: how unusual each value is against the training
 * distribution (distance of its training percentile from the median, 0..1) weighted by the feature's share of
 * LightGBM's total gain. Not an exact attribution (no SHAP in ONNX), but it names the features that are both
 * extreme and influential.
 */
export interface Contribution {
  feature: string;
  value: number;
  weight: number;
}

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
    const out: Contribution[] = [];
    this.features.forEach((f, j) => {
      const h = this.histograms[f];
      if (!h) return;
      const b = binIndex(h.edges, row[j]);
      let below = 0;
      for (let i = 0; i < b; i++) below += h.fractions[i];
      const pct = below + h.fractions[b] / 2;
      const unusual = Math.abs(pct - 0.5) * 2;
      const weight = this.share[j] * unusual;
      if (weight > 0) out.push({ feature: f, value: Math.round(row[j] * 1000) / 1000, weight: Math.round(weight * 10000) / 10000 });
    });
    return out.sort((a, b) => b.weight - a.weight || (a.feature < b.feature ? -1 : 1)).slice(0, k);
  }
}
