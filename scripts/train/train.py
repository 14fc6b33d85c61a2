"""Trains the hybrid model on the exported dataset (scripts/train/export_dataset.ts):
LightGBM on window features (plain, SMOTE, HHOSSA feature selection or both, whichever wins on validation; see
ablation.py), a Bi-LSTM on event sequences, a combiner chosen on validation (weights or logistic
stacking; the plain average is the baseline to beat). Exports both models to ONNX, writes a model card per model
and the fixtures the TypeScript tests check (ONNX score parity, Isolation Forest comparison).
Training rows: simulator runs (split by time) plus the labelled development sets ("dev-*" runs, split by file,
scripts/lib/dev_split.ts; label policy in scripts/train/dev_rows.ts). Model variant, combiner and threshold are
chosen on validation only. Held-out metrics are reported separately for the simulator test split (metrics.test)
and the development test split (metrics.devTest, with a domain-shift check: dev_metrics.py)."""
import argparse
import base64
import csv
import datetime
import gzip
import hashlib
import json
import os
import random
import sys

import numpy as np

from ablation import MIN_GAIN, fit_lgbm, run_ablation
from tree_dump import compact_trees
from dev_metrics import at_threshold, dev_set_of, dev_test_report

# onnxmltools' LightGBM converter supports opset <= 15; the LSTM export uses 17.
LGBM_OPSET = 15
LSTM_OPSET = 17


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def load_rows(path, schema):
    nf, L, nn = len(schema['windowFeatures']), schema['seqLen'], len(schema['seqNumeric'])
    run, split, etype, label, start, X, T, S = [], [], [], [], [], [], [], []
    with open(path) as f:
        r = csv.reader(f)
        next(r)
        for line in r:
            run.append(line[0])
            split.append(line[1])
            etype.append(line[2])
            start.append(int(line[4]))
            label.append(int(line[6]))
            vals = line[7:]
            X.append([float(v) for v in vals[:nf]])
            T.append([int(v) for v in vals[nf:nf + L]])
            S.append([float(v) for v in vals[nf + L:]])
    X = np.asarray(X, dtype=np.float32)
    T = np.asarray(T, dtype=np.int64)
    S = np.asarray(S, dtype=np.float32).reshape(len(S), L, nn)
    dev = np.asarray([dev_set_of(n) for n in run]) if run else np.asarray([], dtype=str)
    return dict(run=np.asarray(run), dev=dev, split=np.asarray(split), etype=np.asarray(etype), y=np.asarray(label, dtype=np.int64),
                start=np.asarray(start, dtype=np.int64), X=X, T=T, S=S)


def metrics(y, p, budget):
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
    k = max(1, int(round(len(p) * budget)))
    top = np.argsort(-p, kind='stable')[:k]
    bins = np.clip((p * 10).astype(int), 0, 9)
    ece = 0.0
    for b in range(10):
        m = bins == b
        if m.any():
            ece += m.mean() * abs(p[m].mean() - y[m].mean())
    return {
        'prAuc': round(float(average_precision_score(y, p)), 4),
        'rocAuc': round(float(roc_auc_score(y, p)), 4),
        'precisionAtBudget': round(float(y[top].mean()), 4),
        'alertBudget': {'fraction': budget, 'alerts': k},
        'brier': round(float(brier_score_loss(y, p)), 4),
        'ece': round(float(ece), 4),
    }


def logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def histograms(X, names, bins=10):
    """Training distribution per feature (quantile edges) for PSI drift at serving time."""
    out = {}
    for j, n in enumerate(names):
        col = X[:, j].astype(np.float64)
        edges = np.unique(np.quantile(col, np.linspace(0, 1, bins + 1)[1:-1]))
        idx = np.searchsorted(edges, col, side='right')
        counts = np.bincount(idx, minlength=len(edges) + 1)
        out[n] = {'edges': [float(e) for e in edges], 'fractions': [round(float(c) / len(col), 6) for c in counts]}
    return out


def build_lstm(schema, emb=8, hidden=16):
    import torch
    vocab = len(schema['eventKinds']) + 1
    nn_ = len(schema['seqNumeric'])

    class BiLstm(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(vocab, emb, padding_idx=0)
            self.lstm = torch.nn.LSTM(emb + nn_, hidden, batch_first=True, bidirectional=True)
            self.head = torch.nn.Linear(4 * hidden, 1)

        def forward(self, tokens, numeric):
            x = torch.cat([self.emb(tokens), numeric], dim=2)
            h, _ = self.lstm(x)
            feats = torch.cat([h.mean(dim=1), h[:, -1, :]], dim=1)
            return torch.sigmoid(self.head(feats)).squeeze(1)

    return BiLstm()


def train_lstm(d, tr, va, schema, seed, quick, row_w=None):
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    model = build_lstm(schema)
    T = torch.from_numpy(d['T'])
    S = torch.from_numpy(d['S'])
    y = torch.from_numpy(d['y'].astype(np.float32))
    rw = torch.from_numpy((np.ones(len(d['y'])) if row_w is None else row_w).astype(np.float32))
    tr_idx = np.where(tr)[0]
    va_idx = torch.from_numpy(np.where(va)[0])
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    pos = float(y[tr_idx].sum())
    pos_w = (len(tr_idx) - pos) / max(pos, 1.0)
    rng = np.random.default_rng(seed)
    best, best_state, epochs = -1.0, None, 3 if quick else 6
    from sklearn.metrics import average_precision_score
    for ep in range(epochs):
        model.train()
        perm = rng.permutation(tr_idx)
        for i in range(0, len(perm), 512):
            b = torch.from_numpy(perm[i:i + 512])
            p = model(T[b], S[b]).clamp(1e-6, 1 - 1e-6)
            w = (1.0 + (pos_w ** 0.5 - 1.0) * y[b]) * rw[b]
            loss = torch.nn.functional.binary_cross_entropy(p, y[b], weight=w)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            pv = model(T[va_idx], S[va_idx]).numpy()
        ap = average_precision_score(d['y'][va], pv)
        print(f'train: bilstm epoch {ep} val PR-AUC {ap:.4f}', flush=True)
        if ap > best:
            best, best_state = ap, {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    return model


def predict_lstm(model, d, idx):
    import torch
    with torch.no_grad():
        return model(torch.from_numpy(d['T'][idx]), torch.from_numpy(d['S'][idx])).numpy().astype(np.float64)


# Candidate weights of a development row relative to a simulator row. The dev sets add ~650 training windows to
# ~68,000 simulator windows; at weight 1 they barely move the trees.
DEV_WEIGHTS = (1.0, 10.0, 30.0)


def choose_dev_weight(d, tr, va, sim, seed, quick, log, candidates=DEV_WEIGHTS):
    """Row weight of development windows, on validation only: plain LightGBM per candidate, scored by the mean of
    the simulator-validation and dev-validation PR-AUC; the first candidate (1) unless another beats it by >= MIN_GAIN."""
    if not (tr & ~sim).any() or not (va & ~sim).any():
        return 1.0, []
    rows = []
    for wd in candidates:
        w = np.where(sim, 1.0, wd)
        clf = fit_lgbm(d['X'][tr], d['y'][tr], d['X'][va], d['y'][va], seed, quick, w[tr])
        score, ap_sim, ap_dev = val_score(d, va, sim, clf.predict_proba(d['X'][va])[:, 1])
        rows.append({'devWeight': wd, 'simValidationPrAuc': round(ap_sim, 4), 'devValidationPrAuc': round(ap_dev, 4),
                     'score': round(score, 4)})
        log(f'dev weight {wd}: {rows[-1]}')
    if len(rows) == 1:
        rows[0]['kept'] = True
        return rows[0]['devWeight'], rows
    best = max(rows[1:], key=lambda r: r['score'])
    chosen = best['devWeight'] if best['score'] >= rows[0]['score'] + MIN_GAIN else rows[0]['devWeight']
    for r in rows:
        r['kept'] = r['devWeight'] == chosen
    return chosen, rows


def val_score(d, va, sim, p):
    """Mean of the simulator- and dev-validation PR-AUC (simulator only when there are no dev rows)."""
    from sklearn.metrics import average_precision_score
    ap_sim = float(average_precision_score(d['y'][va & sim], p[sim[va]]))
    if not (va & ~sim).any():
        return ap_sim, ap_sim, None
    ap_dev = float(average_precision_score(d['y'][va & ~sim], p[~sim[va]]))
    return (ap_sim + ap_dev) / 2, ap_sim, ap_dev


def choose_lstm(d, tr, va, sim, schema, seed, quick, dev_weight, log):
    """The Bi-LSTM trained with the dev row weight chosen for LightGBM, and without (weight 1); the better on the
    validation score of choose_dev_weight wins (ties keep weight 1)."""
    va_idx = np.where(va)[0]
    plain = train_lstm(d, tr, va, schema, seed, quick)
    if dev_weight == 1.0:
        return plain, {'devWeight': 1.0, 'candidates': []}
    weighted = train_lstm(d, tr, va, schema, seed, quick, np.where(sim, 1.0, dev_weight))
    rows = []
    for wd, m in ((1.0, plain), (dev_weight, weighted)):
        score, ap_sim, ap_dev = val_score(d, va, sim, predict_lstm(m, d, va_idx))
        rows.append({'devWeight': wd, 'simValidationPrAuc': round(ap_sim, 4), 'devValidationPrAuc': round(ap_dev, 4),
                     'score': round(score, 4)})
        log(f'bilstm dev weight {wd}: {rows[-1]}')
    use_weighted = rows[1]['score'] >= rows[0]['score'] + MIN_GAIN
    return (weighted if use_weighted else plain), {'devWeight': rows[1 if use_weighted else 0]['devWeight'],
                                                   'candidates': rows}


def choose_combiner(y, p1, p2):
    """Weights on probabilities (grid) or logistic stacking on logits; the one with the best validation PR-AUC."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score
    cands = []
    for w in np.linspace(0, 1, 21):
        cands.append(({'kind': 'weights', 'wLgbm': round(float(w), 2), 'wLstm': round(float(1 - w), 2)},
                      average_precision_score(y, w * p1 + (1 - w) * p2)))
    lr = LogisticRegression(C=1.0).fit(np.stack([logit(p1), logit(p2)], 1), y)
    ps = lr.predict_proba(np.stack([logit(p1), logit(p2)], 1))[:, 1]
    cands.append(({'kind': 'stacking', 'a': float(lr.coef_[0][0]), 'b': float(lr.coef_[0][1]),
                   'c': float(lr.intercept_[0])}, average_precision_score(y, ps)))
    best = max(cands, key=lambda c: c[1])
    return best[0], float(best[1])


def combine(comb, p1, p2):
    if comb['kind'] == 'weights':
        return comb['wLgbm'] * p1 + comb['wLstm'] * p2
    z = comb['a'] * logit(p1) + comb['b'] * logit(p2) + comb['c']
    return 1 / (1 + np.exp(-z))


def export_lgbm(clf, nf, path):
    import onnxmltools
    from onnxmltools.convert.common.data_types import FloatTensorType
    onx = onnxmltools.convert_lightgbm(clf, initial_types=[('features', FloatTensorType([None, nf]))],
                                       zipmap=False, target_opset=LGBM_OPSET)
    # onnxmltools names the graph with a random UUID; a fixed name keeps the file (and its card sha256) reproducible.
    onx.graph.name = 'lightgbm'
    with open(path, 'wb') as f:
        f.write(onx.SerializeToString())
    # The trees with their training-row counts, for exact per-window TreeSHAP at serving time (ONNX has no counts).
    with open(trees_path(path), 'w') as f:
        json.dump(compact_trees(clf.booster_), f, separators=(',', ':'))


def trees_path(onnx_path):
    return onnx_path[: -len('.onnx')] + '.trees.json'


def export_lstm(model, schema, path):
    import torch
    L, nn_ = schema['seqLen'], len(schema['seqNumeric'])
    torch.onnx.export(model, (torch.zeros(1, L, dtype=torch.int64), torch.zeros(1, L, nn_)), path, dynamo=False,
                      opset_version=LSTM_OPSET, input_names=['tokens', 'numeric'], output_names=['score'],
                      dynamic_axes={'tokens': {0: 'batch'}, 'numeric': {0: 'batch'}, 'score': {0: 'batch'}})


def ort_scores(models_dir, X, T, S):
    import onnxruntime as ort
    o = ort.SessionOptions()
    o.intra_op_num_threads = 1
    s1 = ort.InferenceSession(os.path.join(models_dir, 'lightgbm.onnx'), o)
    s2 = ort.InferenceSession(os.path.join(models_dir, 'bilstm.onnx'), o)
    p1 = s1.run(None, {'features': X.astype(np.float32)})[1][:, 1].astype(np.float64)
    p2 = s2.run(None, {'tokens': T.astype(np.int64), 'numeric': S.astype(np.float32)})[0].astype(np.float64)
    return p1, p2


DEV_LABELS = {
    'sigma-regression': ('not used: event-level labels (every window of a case would be positive), but a case is one '
                         'or two isolated events; trained with it the model raised false positives on simulated '
                         'background (eval:simulated, 200 hosts x 7 days) that it does not raise without it'),
    'evtx-attack-samples': ('file-level labels on short single-procedure captures (tactic folders only): windows '
                            'with at least one typed event positive; windows of untyped channel noise only '
                            '(Bits-Client, RdpCoreTS, ...) dropped as unlabelable'),
    'otrf': ('file-level labels on whole-host recordings where the attack is a small, unlabelled subset: every '
             'window used as real-Windows background (negative). One-sided label noise (the windows that hold the '
             'attack are called benign), accepted so that the model cannot learn "development recording = attack"'),
}


DEV_TEST_MEANING = (
    'Held-out development FILES (never trained or tuned on). Positives are evtx-attack-samples windows, negatives '
    'are OTRF background windows only, so ROC/PR-AUC here also reward telling those recordings '
    'apart and are not a field estimate. The OTRF negatives include the unlabelled attack windows of their '
    'recordings, so OTRF "false positives" at the threshold can be real attacks (e.g. a password spray). '
    'alertBudget (1% of ~230 windows) is too small to mean anything here; read atThreshold and perSet instead.')


def dev_summary(dev, d, sim):
    """Per development set and split: files, windows, positive windows (from the export manifest and the rows)."""
    if not dev or not dev.get('units'):
        return {'used': False, 'note': (dev or {}).get('note', 'not exported')}
    out = {'used': True, 'note': dev['note'], 'labels': DEV_LABELS, 'sets': {}}
    for s in sorted({u['set'] for u in dev['units']}):
        out['sets'][s] = {}
        for split in ('train', 'val', 'test'):
            us = [u for u in dev['units'] if u['set'] == s and u['split'] == split]
            m = (d['dev'] == s) & (d['split'] == split)
            out['sets'][s][split] = {'files': len(us), 'filesWithRows': sum(1 for u in us if u['rows'] > 0),
                                     'events': sum(u['events'] for u in us), 'windows': int(m.sum()),
                                     'positives': int(d['y'][m].sum()),
                                     'droppedWindows': sum(u['droppedRows'] for u in us)}
    return out


def b64(arr):
    return base64.b64encode(gzip.compress(np.ascontiguousarray(arr).tobytes(), mtime=0)).decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--schema', required=True)
    ap.add_argument('--models', required=True)
    ap.add_argument('--fixtures', required=True)
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--dev-weights', default=','.join(str(w) for w in DEV_WEIGHTS),
                    help='candidate row weights of development windows, the first is the default to beat')
    args = ap.parse_args()
    random.seed(args.seed)
    np.random.seed(args.seed)
    schema = json.load(open(args.schema))
    names = schema['windowFeatures']
    rows_path = os.path.join(args.data, 'rows.csv')
    d = load_rows(rows_path, schema)
    sim = d['dev'] == ''
    tr, va = d['split'] == 'train', d['split'] == 'val'
    # te: the simulator's test periods (metrics.test, as before the dev data); te_dev: the dev test files.
    te, te_dev = (d['split'] == 'test') & sim, (d['split'] == 'test') & ~sim
    for n, m in (('train', tr), ('val', va), ('test (simulator)', te), ('test (dev)', te_dev)):
        print(f'train: {n}: {int(m.sum())} windows ({int((m & ~sim).sum())} dev), {int(d["y"][m].sum())} positive',
              flush=True)
    if d['y'][va].sum() == 0 or d['y'][te].sum() == 0:
        sys.exit('train: validation or test split has no positive window; change the run plan')
    os.makedirs(args.models, exist_ok=True)
    budget = 0.01

    # LightGBM: plain / SMOTE / HHOSSA / both, chosen on validation (scripts/train/ablation.py); the chosen one is
    # exported with the full feature vector as input.
    say = lambda m: print(f'train: {m}', flush=True)  # noqa: E731
    dev_weight, dev_weight_rows = choose_dev_weight(d, tr, va, sim, args.seed, args.quick, say,
                                                    tuple(float(w) for w in args.dev_weights.split(',')))
    row_w = np.where(sim, 1.0, dev_weight)
    clf, variant, _, ablation = run_ablation(d, names, tr, va, te, args.seed, args.quick, say, row_w)
    lstm, lstm_weighting = choose_lstm(d, tr, va, sim, schema, args.seed, args.quick, dev_weight, say)
    lgb_path = os.path.join(args.models, 'lightgbm.onnx')
    lstm_path = os.path.join(args.models, 'bilstm.onnx')
    export_lgbm(clf, len(names), lgb_path)
    export_lstm(lstm, schema, lstm_path)
    # Every score below comes from the exported ONNX models, exactly what serving runs.
    pv1, pv2 = ort_scores(args.models, d['X'][va], d['T'][va], d['S'][va])
    pt1, pt2 = ort_scores(args.models, d['X'][te], d['T'][te], d['S'][te])
    comb, comb_val = choose_combiner(d['y'][va], pv1, pv2)
    from sklearn.metrics import average_precision_score
    avg_val = float(average_precision_score(d['y'][va], (pv1 + pv2) / 2))
    print(f'train: combiner {comb} val PR-AUC {comb_val:.4f} (plain average {avg_val:.4f})', flush=True)
    pv = combine(comb, pv1, pv2)
    # Alert threshold: the validation score at the alert budget (top 1% of windows) over the SIMULATOR validation
    # windows only: they are whole organisations with a realistic share of benign windows, while the dev validation
    # files are mostly attack captures, whose scores would say nothing about how often background crosses the line.
    threshold = float(np.quantile(pv[sim[va]], 1 - budget))
    yt = d['y'][te]
    test = {
        'lightgbm': metrics(yt, pt1, budget),
        'bilstm': metrics(yt, pt2, budget),
        'plainAverage': metrics(yt, (pt1 + pt2) / 2, budget),
        'hybrid': metrics(yt, combine(comb, pt1, pt2), budget),
    }
    for k, v in test.items():
        print(f'train: test {k}: {v}', flush=True)
    ph_te = combine(comb, pt1, pt2)
    test['hybrid']['atThreshold'] = at_threshold(yt, ph_te, threshold)
    dev_test = None
    if te_dev.any():
        pd1, pd2 = ort_scores(args.models, d['X'][te_dev], d['T'][te_dev], d['S'][te_dev])
        yd, phd = d['y'][te_dev], combine(comb, pd1, pd2)
        per_set, shift = dev_test_report(yd, phd, d['dev'][te_dev], ph_te[yt == 0], threshold)
        dev_test = {'hybrid': {**(metrics(yd, phd, budget) if 0 < yd.sum() < len(yd) else {}),
                               'atThreshold': at_threshold(yd, phd, threshold)},
                    'lightgbm': metrics(yd, pd1, budget) if 0 < yd.sum() < len(yd) else {},
                    'bilstm': metrics(yd, pd2, budget) if 0 < yd.sum() < len(yd) else {},
                    'perSet': per_set, 'domainShift': shift, 'meaning': DEV_TEST_MEANING}
        print(f'train: dev test hybrid: {dev_test["hybrid"]}', flush=True)
        print(f'train: dev test per set: {per_set}', flush=True)
        print(f'train: domain shift: {shift}', flush=True)

    manifest = json.load(open(os.path.join(args.data, 'manifest.json')))
    data_summary = {
        'source': 'server/simulator via scripts/train/export_dataset.ts',
        'events': manifest['events'],
        'runs': [{k: r[k] for k in ('name', 'seed', 'hosts', 'days', 'scenarios', 'split', 'docs', 'rows', 'positiveRows')}
                 for r in manifest['runs']],
        'split': ('simulator: by time, runs occupy consecutive periods; first 60% train, next 20% validation, last '
                  '20% test. Development sets: by file (scripts/lib/dev_split.ts, shared with the evaluation).'),
        'windows': {n: int(m.sum()) for n, m in (('train', tr), ('val', va), ('test', te), ('devTest', te_dev))},
        'positives': {n: int(d['y'][m].sum()) for n, m in (('train', tr), ('val', va), ('test', te),
                                                            ('devTest', te_dev))},
        'dev': dev_summary(manifest.get('dev'), d, sim),
        'devWeight': {'chosen': dev_weight, 'candidates': dev_weight_rows, 'bilstm': lstm_weighting,
                      'rule': ('weight of a dev training window (simulator = 1) for LightGBM and the Bi-LSTM loss: '
                               'plain LightGBM per candidate, mean of simulator- and dev-validation PR-AUC; 1 unless '
                               f'another beats it by >= {MIN_GAIN}')},
        'threshold': 'top 1% of simulator validation windows (dev validation files are mostly attack captures)',
        'rowsSha256': sha256(rows_path),
        'quick': args.quick,
    }
    hist = histograms(d['X'][tr], names)
    date = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d')
    version = f"{date}-{data_summary['rowsSha256'][:8]}"
    common = {'version': version, 'date': date, 'featureSchemaVersion': schema['version'],
              'trainingData': data_summary, 'seed': args.seed}
    gain = clf.booster_.feature_importance(importance_type='gain')
    cards = {
        'lightgbm': {**common, 'opset': LGBM_OPSET, 'name': 'lightgbm', 'file': 'lightgbm.onnx', 'sha256': sha256(lgb_path),
                     'inputs': {'features': [None, len(names)]}, 'output': 'probabilities[:, 1]',
                     'features': names, 'featureImportanceGain': {n: round(float(g), 3) for n, g in zip(names, gain)},
                     'params': {'trees': int(clf.booster_.num_trees()), 'numLeaves': 31, 'learningRate': 0.05,
                                'variant': variant},
                     'metrics': {'test': test['lightgbm'], **({'devTest': dev_test['lightgbm']} if dev_test else {})},
                     'ablation': ablation, 'trainingHistograms': hist,
                     'explainer': {'method': 'TreeSHAP (path-dependent)', 'format': 'lightgbm-trees-1',
                                   'file': 'lightgbm.trees.json', 'sha256': sha256(trees_path(lgb_path))}},
        'bilstm': {**common, 'opset': LSTM_OPSET, 'name': 'bilstm', 'file': 'bilstm.onnx', 'sha256': sha256(lstm_path),
                   'inputs': {'tokens': [None, schema['seqLen']], 'numeric': [None, schema['seqLen'], len(schema['seqNumeric'])]},
                   'output': 'score', 'features': {'tokens': schema['eventKinds'], 'numeric': schema['seqNumeric']},
                   'params': {'embedding': 8, 'hidden': 16, 'bidirectional': True},
                   'metrics': {'test': test['bilstm'], **({'devTest': dev_test['bilstm']} if dev_test else {})}},
        'hybrid': {**common, 'opset': {'lightgbm': LGBM_OPSET, 'bilstm': LSTM_OPSET}, 'name': 'hybrid', 'components': ['lightgbm.onnx', 'bilstm.onnx'],
                   'componentSha256': {'lightgbm.onnx': sha256(lgb_path), 'bilstm.onnx': sha256(lstm_path)},
                   'combiner': comb, 'combinerValidationPrAuc': round(comb_val, 4),
                   'plainAverageValidationPrAuc': round(avg_val, 4), 'threshold': threshold,
                   'features': names, 'metrics': {'test': test, **({'devTest': dev_test} if dev_test else {})},
                   'ablation': {k: ablation[k] for k in ('decisionRule', 'chosen', 'rows')},
                   'trainingHistograms': hist},
    }
    for n, c in cards.items():
        with open(os.path.join(args.models, f'{n}.card.json'), 'w') as f:
            json.dump(c, f, indent=2)
            f.write('\n')

    # ONNX parity fixture: 1,000 fixed test windows, their inputs and the hybrid scores Python's onnxruntime gives.
    os.makedirs(args.fixtures, exist_ok=True)
    te_idx = np.where(te)[0]
    pick = np.sort(np.random.default_rng(args.seed).choice(te_idx, size=min(1000, len(te_idx)), replace=False))
    p1, p2 = ort_scores(args.models, d['X'][pick], d['T'][pick], d['S'][pick])
    fx = {'n': int(len(pick)), 'nFeatures': len(names), 'seqLen': schema['seqLen'], 'seqNumeric': len(schema['seqNumeric']),
          'modelVersion': version, 'features': b64(d['X'][pick].astype('<f4')), 'tokens': b64(d['T'][pick].astype('<i8')),
          'numeric': b64(d['S'][pick].astype('<f4')), 'lightgbm': [float(v) for v in p1], 'bilstm': [float(v) for v in p2],
          'hybrid': [float(v) for v in combine(comb, p1, p2)]}
    with open(os.path.join(args.fixtures, 'onnx_parity.json'), 'w') as f:
        json.dump(fx, f)

    # Isolation Forest comparison fixture: host windows; train on train-period benign windows, test on test period.
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import roc_auc_score
    # Simulator rows only: the baselines learn per-entity history that single dev recordings do not have.
    host = (d['etype'] == 'host') & sim
    cols = [names.index(n) for n in names if n not in ('is_user', 'hour_of_day')]
    rng = np.random.default_rng(args.seed)
    tr_h = np.where(tr & host & (d['y'] == 0))[0]
    tr_h = np.sort(rng.choice(tr_h, size=min(2000, len(tr_h)), replace=False))
    te_h = np.where(te & host)[0]
    pos_h, neg_h = te_h[d['y'][te_h] == 1], te_h[d['y'][te_h] == 0]
    te_h = np.sort(np.concatenate([pos_h, rng.choice(neg_h, size=min(1500, len(neg_h)), replace=False)]))
    Xtr, Xte, yte = d['X'][tr_h][:, cols], d['X'][te_h][:, cols], d['y'][te_h]
    aucs = []
    for s in range(5):
        iso = IsolationForest(n_estimators=100, max_samples=256, random_state=args.seed + s).fit(Xtr)
        aucs.append(roc_auc_score(yte, -iso.score_samples(Xte)))
    print(f'train: sklearn IsolationForest ROC-AUC on host windows {np.mean(aucs):.4f} (5 seeds {np.round(aucs, 4)})')
    iso_fx = {'features': [names[c] for c in cols], 'train': np.round(Xtr, 5).tolist(), 'test': np.round(Xte, 5).tolist(),
              'labels': yte.tolist(), 'sklearnRocAuc': round(float(np.mean(aucs)), 4),
              'sklearnRocAucPerSeed': [round(float(a), 4) for a in aucs], 'nEstimators': 100, 'maxSamples': 256}
    with gzip.GzipFile(os.path.join(args.fixtures, 'isolation_forest_comparison.json.gz'), 'wb', mtime=0) as f:
        f.write(json.dumps(iso_fx).encode())


if __name__ == '__main__':
    main()
