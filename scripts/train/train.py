"""Trains the hybrid model on the exported dataset (scripts/train/export_dataset.ts):
LightGBM on window features (plain, SMOTE, HHOSSA feature selection or both, whichever wins on validation; see
ablation.py), a Bi-LSTM on event sequences, a combiner chosen on validation (weights or logistic
stacking; the plain average is the baseline to beat). Exports both models to ONNX, writes a model card per model
and the fixtures the TypeScript tests check (ONNX score parity, Isolation Forest comparison).
Every metric is computed on the held-out test split (the latest periods), never on training data."""
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

from ablation import run_ablation

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
    split, etype, label, start, X, T, S = [], [], [], [], [], [], []
    with open(path) as f:
        r = csv.reader(f)
        next(r)
        for line in r:
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
    return dict(split=np.asarray(split), etype=np.asarray(etype), y=np.asarray(label, dtype=np.int64),
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


def train_lstm(d, tr, va, schema, seed, quick):
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    model = build_lstm(schema)
    T = torch.from_numpy(d['T'])
    S = torch.from_numpy(d['S'])
    y = torch.from_numpy(d['y'].astype(np.float32))
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
            w = 1.0 + (pos_w ** 0.5 - 1.0) * y[b]
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
    args = ap.parse_args()
    random.seed(args.seed)
    np.random.seed(args.seed)
    schema = json.load(open(args.schema))
    names = schema['windowFeatures']
    rows_path = os.path.join(args.data, 'rows.csv')
    d = load_rows(rows_path, schema)
    tr, va, te = d['split'] == 'train', d['split'] == 'val', d['split'] == 'test'
    for n, m in (('train', tr), ('val', va), ('test', te)):
        print(f'train: {n}: {int(m.sum())} windows, {int(d["y"][m].sum())} positive', flush=True)
    if d['y'][va].sum() == 0 or d['y'][te].sum() == 0:
        sys.exit('train: validation or test split has no positive window; change the run plan')
    os.makedirs(args.models, exist_ok=True)
    budget = 0.01

    # LightGBM: plain / SMOTE / HHOSSA / both, chosen on validation (scripts/train/ablation.py); the chosen one is
    # exported with the full feature vector as input.
    clf, variant, _, ablation = run_ablation(d, names, tr, va, te, args.seed, args.quick,
                                             lambda m: print(f'train: {m}', flush=True))
    lstm = train_lstm(d, tr, va, schema, args.seed, args.quick)
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
    # Alert threshold: the validation score at the alert budget (top 1% of windows).
    threshold = float(np.quantile(pv, 1 - budget))
    yt = d['y'][te]
    test = {
        'lightgbm': metrics(yt, pt1, budget),
        'bilstm': metrics(yt, pt2, budget),
        'plainAverage': metrics(yt, (pt1 + pt2) / 2, budget),
        'hybrid': metrics(yt, combine(comb, pt1, pt2), budget),
    }
    for k, v in test.items():
        print(f'train: test {k}: {v}', flush=True)

    manifest = json.load(open(os.path.join(args.data, 'manifest.json')))
    data_summary = {
        'source': 'server/simulator via scripts/train/export_dataset.ts',
        'events': manifest['events'],
        'runs': [{k: r[k] for k in ('name', 'seed', 'hosts', 'days', 'scenarios', 'split', 'docs', 'rows', 'positiveRows')}
                 for r in manifest['runs']],
        'split': 'by time: runs occupy consecutive periods; first 60% train, next 20% validation, last 20% test',
        'windows': {n: int(m.sum()) for n, m in (('train', tr), ('val', va), ('test', te))},
        'positives': {n: int(d['y'][m].sum()) for n, m in (('train', tr), ('val', va), ('test', te))},
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
                     'metrics': {'test': test['lightgbm']}, 'ablation': ablation, 'trainingHistograms': hist},
        'bilstm': {**common, 'opset': LSTM_OPSET, 'name': 'bilstm', 'file': 'bilstm.onnx', 'sha256': sha256(lstm_path),
                   'inputs': {'tokens': [None, schema['seqLen']], 'numeric': [None, schema['seqLen'], len(schema['seqNumeric'])]},
                   'output': 'score', 'features': {'tokens': schema['eventKinds'], 'numeric': schema['seqNumeric']},
                   'params': {'embedding': 8, 'hidden': 16, 'bidirectional': True},
                   'metrics': {'test': test['bilstm']}},
        'hybrid': {**common, 'opset': {'lightgbm': LGBM_OPSET, 'bilstm': LSTM_OPSET}, 'name': 'hybrid', 'components': ['lightgbm.onnx', 'bilstm.onnx'],
                   'componentSha256': {'lightgbm.onnx': sha256(lgb_path), 'bilstm.onnx': sha256(lstm_path)},
                   'combiner': comb, 'combinerValidationPrAuc': round(comb_val, 4),
                   'plainAverageValidationPrAuc': round(avg_val, 4), 'threshold': threshold,
                   'features': names, 'metrics': {'test': test},
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
    host = d['etype'] == 'host'
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
