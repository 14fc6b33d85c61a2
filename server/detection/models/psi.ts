import type { FeatureHistogram } from './model_card';

/**
 * Population stability index per feature: served values are binned with the training histogram's edges (the
 * same `searchsorted(..., side='right')` rule train.py used) and compared with the training fractions.
 * PSI = sum((a - e) * ln(a / e)); fractions are floored at EPS so empty bins do not blow up.
 */
const EPS = 1e-4;

export function binIndex(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function psi(expected: readonly number[], actualCounts: readonly number[]): number {
  const n = actualCounts.reduce((a, b) => a + b, 0);
  if (n === 0) return 0;
  let s = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i], EPS);
    const a = Math.max((actualCounts[i] ?? 0) / n, EPS);
    s += (a - e) * Math.log(a / e);
  }
  return s;
}

export class DriftTracker {
  private readonly names: string[];
  private readonly columns: number[];
  private readonly counts: number[][];
  private observed = 0;

  constructor(
    private readonly features: readonly string[],
    private readonly histograms: Record<string, FeatureHistogram>,
  ) {
    this.names = features.filter((f) => histograms[f] !== undefined);
    this.columns = this.names.map((f) => features.indexOf(f));
    this.counts = this.names.map((f) => new Array<number>(histograms[f].fractions.length).fill(0));
  }

  /** `row` is one feature vector in schema order. */
  observe(row: ArrayLike<number>): void {
    this.observed++;
    this.names.forEach((name, j) => {
      this.counts[j][binIndex(this.histograms[name].edges, row[this.columns[j]])]++;
    });
  }

  summary(): { windows: number; psi: Record<string, number> } {
    const out: Record<string, number> = {};
    this.names.forEach((name, j) => {
      out[name] = Math.round(psi(this.histograms[name].fractions, this.counts[j]) * 10000) / 10000;
    });
    return { windows: this.observed, psi: out };
  }
}
