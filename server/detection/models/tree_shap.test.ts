import * as fs from 'fs';
import * as path from 'path';
import { TreeShap } from './tree_shap';

/** Written by scripts/train/make_shap_fixture.py: LightGBM's own pred_contrib and raw scores for 200 rows. */
interface ShapFixture {
  trees: unknown;
  rows: Array<Array<number | null>>;
  contributions: number[][];
  raw: number[];
}

const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'fixtures', 'tree_shap_parity.json'), 'utf8'),
) as ShapFixture;
const rows = fixture.rows.map((r) => r.map((v) => (v === null ? NaN : v)));

describe('TreeShap', () => {
  const shap = new TreeShap(fixture.trees);

  it('routes rows (missing values and zeros included) to the same leaves as LightGBM', () => {
    rows.forEach((r, i) => expect(shap.raw(r)).toBeCloseTo(fixture.raw[i], 9));
  });

  it("matches LightGBM's pred_contrib on every feature and the bias within 1e-9", () => {
    let worst = 0;
    rows.forEach((r, i) => {
      const phi = shap.shap(r);
      expect(phi.length).toBe(fixture.contributions[i].length);
      phi.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - fixture.contributions[i][j]))));
    });
    expect(worst).toBeLessThan(1e-9);
  });

  it('adds up with the bias to the raw score of the row (local accuracy)', () => {
    for (const r of rows.slice(0, 50)) {
      const sum = shap.shap(r).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(shap.raw(r), 9);
    }
  });

  it('rejects a dump whose child points outside the tree, naming the field', () => {
    const bad = JSON.parse(JSON.stringify(fixture.trees)) as { trees: Array<{ left: number[] }> };
    bad.trees[0].left[0] = 999;
    expect(() => new TreeShap(bad)).toThrow(/trees\.0\.left\.0: child 999 out of range/);
  });

  it('rejects a dump of another format', () => {
    expect(() => new TreeShap({ format: 'xgboost', trees: [] })).toThrow(/invalid tree dump at format/);
  });
});
