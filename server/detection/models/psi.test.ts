import { binIndex, DriftTracker, psi } from './psi';

describe('PSI drift', () => {
  it('bins like numpy searchsorted(side="right")', () => {
    expect([binIndex([1, 2], 0.5), binIndex([1, 2], 1), binIndex([1, 2], 1.5), binIndex([1, 2], 2), binIndex([1, 2], 9)]).toEqual([0, 1, 1, 2, 2]);
  });

  it('is 0 for the training distribution and grows with a shift', () => {
    expect(psi([0.25, 0.25, 0.5], [25, 25, 50])).toBeCloseTo(0, 10);
    // Known value: (0.5-0.25)ln2 + (0.25-0.25)*0 + (0.25-0.5)ln(0.5) = 0.25 ln 4
    expect(psi([0.25, 0.25, 0.5], [50, 25, 25])).toBeCloseTo(0.25 * Math.log(4), 10);
  });

  it('tracks served rows per feature', () => {
    const t = new DriftTracker(['a', 'b'], { a: { edges: [0.5], fractions: [0.5, 0.5] }, b: { edges: [0.5], fractions: [0.5, 0.5] } });
    for (let i = 0; i < 100; i++) t.observe([i % 2, 1]);
    const s = t.summary();
    expect(s.windows).toBe(100);
    expect(s.psi.a).toBeCloseTo(0, 6);
    expect(s.psi.b).toBeGreaterThan(1);
  });
});
