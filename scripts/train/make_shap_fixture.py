"""Writes server/detection/models/fixtures/tree_shap_parity.json: a small LightGBM model trained on synthetic data
(with missing values, zeros and repeated splits on one feature, the cases TreeSHAP must get right), its compact
tree dump, and LightGBM's own pred_contrib (TreeSHAP) and raw scores for 200 rows the TypeScript port must match.

Run: .venv-train/bin/python scripts/train/make_shap_fixture.py <out.json>
"""
import json
import sys

import lightgbm as lgb
import numpy as np

from tree_dump import compact_trees


def main(out):
    rng = np.random.default_rng(7)
    n, f = 3000, 6
    X = rng.normal(size=(n, f))
    X[:, 2] = rng.integers(0, 4, size=n)          # small counts with many zeros
    X[rng.random(n) < 0.1, 3] = np.nan             # missing values
    X[rng.random(n) < 0.3, 4] = 0.0                # a point mass at zero
    logit = 1.5 * X[:, 0] - X[:, 1] ** 2 + 0.8 * (X[:, 2] > 1) + np.nan_to_num(X[:, 3], nan=2.0) - 0.5 * X[:, 4]
    y = (logit + rng.logistic(size=n) > 0).astype(int)
    clf = lgb.LGBMClassifier(n_estimators=40, num_leaves=15, learning_rate=0.1, min_child_samples=10,
                             random_state=7, deterministic=True, verbose=-1, n_jobs=1)
    clf.fit(X, y)
    rows = X[:200].copy()
    rows[0, :] = np.nan                            # every feature missing
    rows[1, :] = 0.0                               # every feature zero
    contrib = clf.booster_.predict(rows, pred_contrib=True)
    raw = clf.booster_.predict(rows, raw_score=True)
    nan_to_none = lambda a: [None if np.isnan(v) else float(v) for v in a]
    with open(out, 'w') as fh:
        json.dump({'trees': compact_trees(clf.booster_), 'rows': [nan_to_none(r) for r in rows],
                   'contributions': contrib.tolist(), 'raw': raw.tolist()}, fh)
    print(f'make_shap_fixture: wrote {out}')


if __name__ == '__main__':
    main(sys.argv[1])
