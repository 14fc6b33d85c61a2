"""Held-out metrics of the development-set rows (export_dataset.ts "dev-*" runs, split by file in
scripts/lib/dev_split.ts) and the domain-shift check, for the model cards.

What the dev numbers mean: dev positives are evtx-attack-samples windows (sigma-regression when it is exported),
dev negatives are OTRF background windows (scripts/train/dev_rows.ts). A dev-test ROC-AUC near 1 can therefore also
mean "tells evtx recordings from OTRF recordings". The shift check compares what the model does on backgrounds of the two
sources: if it scored OTRF background far above simulator background, it would have learnt "development recording
= attack"."""
import numpy as np

DEV_SETS = {'evtx': 'evtx-attack-samples', 'otrf': 'otrf', 'sigma': 'sigma-regression'}


def dev_set_of(run):
    """'dev-evtx-1a2b3c4d' -> 'evtx-attack-samples'; '' for simulator runs."""
    if not run.startswith('dev-'):
        return ''
    short = run.split('-')[1]
    if short not in DEV_SETS:
        raise ValueError(f'dev_metrics: run {run!r} names an unknown development set {short!r}')
    return DEV_SETS[short]


def auc(neg, pos):
    """ROC-AUC of scores `pos` above `neg` (ties count half); None when a side is empty."""
    from sklearn.metrics import roc_auc_score
    if len(neg) == 0 or len(pos) == 0:
        return None
    y = np.concatenate([np.zeros(len(neg)), np.ones(len(pos))])
    return round(float(roc_auc_score(y, np.concatenate([neg, pos]))), 4)


def at_threshold(y, p, threshold):
    """What serving does: alerts = windows scoring at or above the card threshold."""
    hit = p >= threshold
    alerts, tp, pos = int(hit.sum()), int((hit & (y == 1)).sum()), int((y == 1).sum())
    return {'threshold': round(float(threshold), 6), 'alerts': alerts, 'truePositives': tp,
            'precision': round(tp / alerts, 4) if alerts else None,
            'recall': round(tp / pos, 4) if pos else None,
            'falsePositiveRate': round(float((hit & (y == 0)).sum()) / max(1, int((y == 0).sum())), 5)}


def dev_test_report(y, p, dev_set, sim_test_neg_scores, threshold):
    """Per-set recall / false-positive rate at the threshold on the dev test split, and the shift check."""
    per_set = {}
    for s in sorted(set(dev_set.tolist())):
        m = dev_set == s
        per_set[s] = {'windows': int(m.sum()), 'positives': int(y[m].sum()), **at_threshold(y[m], p[m], threshold)}
    neg, pos = p[y == 0], p[y == 1]
    shift = {
        'devPositivesVsDevBackgroundRocAuc': auc(neg, pos),
        'devPositivesVsSimBackgroundRocAuc': auc(sim_test_neg_scores, pos),
        'devBackgroundVsSimBackgroundRocAuc': auc(sim_test_neg_scores, neg),
        'devBackgroundAboveThreshold': round(float((neg >= threshold).mean()), 4) if len(neg) else None,
        'simBackgroundAboveThreshold': round(float((sim_test_neg_scores >= threshold).mean()), 5),
        'reading': ('devBackgroundVsSimBackgroundRocAuc near 0.5 and a devBackgroundAboveThreshold close to the '
                    'simulator rate mean OTRF background is not scored as attack for being a development '
                    'recording; well above 0.5 would mean the model learnt the source, not the behaviour.'),
    }
    return per_set, shift


def self_test():
    """Checks the run-name mapping, the threshold arithmetic and the shift check on hand-made scores."""
    fails = []
    if dev_set_of('dev-otrf-0011aabb') != 'otrf' or dev_set_of('r03_s104_h15') != '':
        fails.append('dev_set_of: run names map to the wrong set')
    try:
        dev_set_of('dev-wazuh-00000000')
        fails.append('dev_set_of: an unknown set was accepted')
    except ValueError:
        pass
    y = np.array([1, 1, 1, 0, 0])
    p = np.array([0.99, 0.5, 0.97, 0.98, 0.1])
    r = at_threshold(y, p, 0.97)
    if (r['alerts'], r['truePositives'], r['precision'], r['recall'], r['falsePositiveRate']) != (3, 2, 0.6667, 0.6667, 0.5):
        fails.append(f'at_threshold: {r}')
    dev = np.array(['evtx-attack-samples'] * 3 + ['otrf'] * 2)
    per_set, shift = dev_test_report(y, p, dev, np.array([0.1, 0.2, 0.3]), 0.97)
    if per_set['otrf']['alerts'] != 1 or per_set['evtx-attack-samples']['recall'] != 0.6667:
        fails.append(f'dev_test_report per set: {per_set}')
    # dev background (0.98, 0.1) vs simulator background (0.1, 0.2, 0.3): 0.98 beats all three, 0.1 ties one.
    if shift['devBackgroundVsSimBackgroundRocAuc'] != round((3 + 0.5) / 6, 4):
        fails.append(f'shift check: {shift}')
    for f in fails:
        print(f'dev_metrics self-test: FAILED, {f}')
    if not fails:
        print('dev_metrics self-test: ok')
    return 1 if fails else 0


if __name__ == '__main__':
    import sys
    if sys.argv[1:] != ['--self-test']:
        sys.exit('usage: python dev_metrics.py --self-test   (train.py imports it)')
    sys.exit(self_test())
