"""LightGBM ablation for issue 7: plain vs SMOTE (training split only) vs HHOSSA feature selection vs both.

Decision rule (validation only, never test): every variant is trained on the training split and scored on the
validation split; a variant other than plain is kept only when its validation PR-AUC beats plain's by at least
MIN_GAIN, and among those the highest validation PR-AUC wins. Test PR-AUC is reported for every row but decides
nothing.

HHOSSA's fitness uses an inner split of the TRAINING data (its latest windows by time), so neither the validation
split (which decides keep/drop) nor the test split is seen during selection.

The exported model always takes the full feature vector (serving schema unchanged): a dropped feature is replaced by
a constant in the training matrix, so LightGBM can never split on it and ignores it at serving time."""
import time

import numpy as np

from hhossa import lgbm_fitness, select_features

MIN_GAIN = 0.001
# Minority share after resampling (minority / majority). SMOTE's default of 1.0 would make 97% of the positives
# synthetic; a moderate ratio adds interpolated attacks without drowning the real ones.
SMOTE_RATIO = 0.1
SMOTE_K = 5
DECISION_RULE = (f'plain unless a variant beats plain validation PR-AUC by >= {MIN_GAIN}; then the variant with the '
                 'highest validation PR-AUC. Test PR-AUC is reported only.')


def smote(X, y, seed, w=None):
    """SMOTE on the given (training) rows only; returns the resampled matrix and labels (and, with row weights `w`,
    the weights: the original rows keep theirs, imblearn appends the synthetic rows after them, weight 1)."""
    from imblearn.over_sampling import SMOTE
    pos = int(y.sum())
    if pos <= SMOTE_K:
        raise ValueError(f'smote: only {pos} positive training windows; SMOTE needs more than k={SMOTE_K}')
    if pos >= SMOTE_RATIO * (len(y) - pos):
        return (X, y) if w is None else (X, y, w)
    sm = SMOTE(sampling_strategy=SMOTE_RATIO, k_neighbors=SMOTE_K, random_state=seed)
    Xr, yr = sm.fit_resample(X, y)
    Xr, yr = Xr.astype(np.float32), yr.astype(np.int64)
    if w is None:
        return Xr, yr
    if not np.array_equal(Xr[:len(X)], X):
        raise RuntimeError('smote: imblearn no longer keeps the original rows first; the row weights would misalign')
    return Xr, yr, np.concatenate([w, np.ones(len(yr) - len(y), dtype=w.dtype)])


def masked(X, mask):
    """Dropped features become a constant column: LightGBM cannot split on it, the input width stays the same."""
    if mask is None:
        return X
    out = X.copy()
    out[:, ~mask] = 0.0
    return out


def fit_lgbm(X, y, Xva, yva, seed, quick, w=None):
    import lightgbm as lgb
    clf = lgb.LGBMClassifier(n_estimators=150 if quick else 300, learning_rate=0.05, num_leaves=31,
                             min_child_samples=20, subsample=0.8, subsample_freq=1, colsample_bytree=0.8,
                             random_state=seed, deterministic=True, force_row_wise=True, n_jobs=1, verbose=-1)
    clf.fit(X, y, sample_weight=w, eval_X=(Xva,), eval_y=(yva,), callbacks=[lgb.early_stopping(30, verbose=False)])
    return clf


def inner_split(start, train_idx, holdout=0.25):
    """Training rows split by time: the latest `holdout` share of windows is the inner fold for HHOSSA's fitness."""
    cut = np.quantile(start[train_idx], 1 - holdout)
    return train_idx[start[train_idx] < cut], train_idx[start[train_idx] >= cut]


def run_hhossa(d, tr_idx, seed, quick, log, max_fit_rows=20000):
    fit_idx, hold_idx = inner_split(d['start'], tr_idx)
    y = d['y']
    if y[hold_idx].sum() == 0 or y[fit_idx].sum() == 0:
        raise ValueError('hhossa: the inner split of the training data has no positive window on one side')
    # The wrapper model is trained hundreds of times: keep every positive, subsample negatives (seeded).
    rng = np.random.default_rng(seed)
    pos, neg = fit_idx[y[fit_idx] == 1], fit_idx[y[fit_idx] == 0]
    if len(pos) + len(neg) > max_fit_rows:
        neg = np.sort(rng.choice(neg, size=max(max_fit_rows - len(pos), 1), replace=False))
    fit_idx = np.sort(np.concatenate([pos, neg]))
    log(f'hhossa: inner fit {len(fit_idx)} windows ({int(y[fit_idx].sum())} positive), inner hold-out '
        f'{len(hold_idx)} ({int(y[hold_idx].sum())} positive)')
    fitness = lgbm_fitness(d['X'][fit_idx], y[fit_idx], d['X'][hold_idx], y[hold_idx], penalty=0.01, seed=seed)
    population, iterations = (4, 2) if quick else (10, 12)
    t0 = time.time()
    mask, best, info = select_features(fitness, d['X'].shape[1], population, iterations, seed, log)
    info['history'] = [round(h, 5) for h in info['history']]
    # Wall time is logged, not written to the card, so two runs give byte-identical cards.
    log(f'hhossa: {info["evaluations"]} evaluations in {time.time() - t0:.1f}s')
    info.update({'bestFitness': round(best, 5), 'penalty': 0.01,
                 'innerFit': int(len(fit_idx)), 'innerHoldout': int(len(hold_idx))})
    return mask, info


def choose_variant(rows):
    """The decision rule, on validation PR-AUC only; rows[0] must be plain."""
    if not rows or rows[0]['variant'] != 'plain':
        raise ValueError('ablation: the first row must be the plain variant')
    plain = rows[0]['validationPrAuc']
    better = [r for r in rows[1:] if r['validationPrAuc'] >= plain + MIN_GAIN]
    return max(better, key=lambda r: r['validationPrAuc'])['variant'] if better else 'plain'


def run_ablation(d, names, tr, va, te, seed, quick, log=print, w=None):
    """Trains the four variants; returns (chosen classifier, chosen variant, feature mask or None, ablation dict).
    `w`: optional weight per row of d (only the training rows' weights are used)."""
    from sklearn.metrics import average_precision_score
    tr_idx = np.where(tr)[0]
    X, y = d['X'], d['y']
    mask, sel_info = run_hhossa(d, tr_idx, seed, quick, log)
    log(f'hhossa: kept {int(mask.sum())}/{len(mask)} features')
    variants = {'plain': (False, None), 'smote': (True, None), 'hhossa': (False, mask),
                'smote+hhossa': (True, mask)}
    rows, models = [], {}
    for name, (use_smote, m) in variants.items():
        Xtr, ytr, wtr = masked(X[tr], m), y[tr], (None if w is None else w[tr])
        if use_smote:
            Xtr, ytr, *rest = smote(Xtr, ytr, seed, wtr)
            wtr = rest[0] if rest else None
        clf = fit_lgbm(Xtr, ytr, masked(X[va], m), y[va], seed, quick, wtr)
        pv = clf.predict_proba(X[va])[:, 1]
        if m is not None and not np.allclose(pv, clf.predict_proba(masked(X[va], m))[:, 1], atol=1e-12):
            # Serving passes the full, unmasked vector: the model must not depend on a dropped feature.
            raise RuntimeError(f'ablation: variant {name} uses a feature HHOSSA dropped')
        pt = clf.predict_proba(X[te])[:, 1]
        row = {'variant': name, 'validationPrAuc': round(float(average_precision_score(y[va], pv)), 4),
               'testPrAuc': round(float(average_precision_score(y[te], pt)), 4),
               'featuresKept': int(len(mask) if m is None else m.sum()), 'trainingRows': int(len(ytr)),
               'trees': int(clf.booster_.num_trees())}
        log(f'ablation: {row}')
        rows.append(row)
        models[name] = (clf, m)
    chosen = choose_variant(rows)
    for r in rows:
        r['kept'] = r['variant'] == chosen
    log(f'ablation: exporting {chosen}')
    ablation = {
        'decisionRule': DECISION_RULE, 'chosen': chosen, 'rows': rows,
        'smote': {'samplingStrategy': SMOTE_RATIO, 'kNeighbors': SMOTE_K, 'appliedTo': 'training split only'},
        'hhossa': {**sel_info, 'selected': [names[i] for i in np.flatnonzero(mask)],
                   'fitness': '(1 - inner hold-out PR-AUC of a 60-tree LightGBM) + 0.01 * share of features kept',
                   'innerSplit': 'latest 25% of training windows by time'},
    }
    clf, m = models[chosen]
    return clf, chosen, m, ablation


def self_test():
    """Checks the parts of the ablation that decide what ships: the rule, SMOTE's scope and the mask's effect."""
    fails = []

    def row(v, val, test):
        return {'variant': v, 'validationPrAuc': val, 'testPrAuc': test}

    # Test PR-AUC must not decide: smote is far better on test but not on validation.
    if choose_variant([row('plain', 0.95, 0.90), row('smote', 0.9505, 0.99), row('hhossa', 0.94, 0.95)]) != 'plain':
        fails.append('a gain below MIN_GAIN (or on test only) chose a variant')
    if choose_variant([row('plain', 0.95, 0.9), row('smote', 0.96, 0.8), row('smote+hhossa', 0.97, 0.7)]) != 'smote+hhossa':
        fails.append('the best validation variant was not chosen')
    rng = np.random.default_rng(1)
    X = rng.normal(size=(600, 5)).astype(np.float32)
    y = (np.arange(600) < 30).astype(np.int64)
    Xr, yr = smote(X, y, 7)
    n_pos = int(yr.sum())
    if not (np.array_equal(Xr[:600], X) and n_pos == int(round(SMOTE_RATIO * 570)) and len(yr) == 570 + n_pos):
        fails.append(f'smote: expected the 600 original rows plus synthetic positives to ratio {SMOTE_RATIO}')
    _, _, wr = smote(X, y, 7, np.full(600, 2.0))
    if not (np.all(wr[:600] == 2.0) and np.all(wr[600:] == 1.0) and len(wr) == len(yr)):
        fails.append('smote: original rows must keep their weights, synthetic rows weigh 1')
    mask = np.array([True, False, True, False, True])
    if masked(X, mask)[:, ~mask].any() or not np.array_equal(masked(X, mask)[:, mask], X[:, mask]):
        fails.append('masked: dropped columns must be constant and kept columns unchanged')
    for f in fails:
        print(f'ablation self-test: FAILED, {f}')
    if not fails:
        print('ablation self-test: ok')
    return 1 if fails else 0


if __name__ == '__main__':
    import sys
    if sys.argv[1:] != ['--self-test']:
        sys.exit('usage: python ablation.py --self-test   (train.py imports run_ablation)')
    sys.exit(self_test())
