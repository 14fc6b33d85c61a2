"""Compares the held-out metrics of freshly trained cards with reference cards (the committed ones):
exit 1 when any metric differs by more than the tolerance (default 0.01)."""
import json
import os
import sys


def flat(d, prefix=''):
    for k, v in d.items():
        if isinstance(v, dict):
            yield from flat(v, f'{prefix}{k}.')
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            yield f'{prefix}{k}', float(v)


def main(ref_dir, new_dir, tol=0.01):
    bad = []
    for name in ('lightgbm', 'bilstm', 'hybrid'):
        ref_path = os.path.join(ref_dir, f'{name}.card.json')
        if not os.path.exists(ref_path):
            print(f'compare_cards: no reference {ref_path}; nothing to compare')
            continue
        ref = dict(flat(json.load(open(ref_path))['metrics']))
        new = dict(flat(json.load(open(os.path.join(new_dir, f'{name}.card.json')))['metrics']))
        for k, v in ref.items():
            # Counts (alerts, windows, true positives) are not metrics; precision and recall carry them.
            if any(c in k for c in ('alerts', 'fraction', 'truePositives', 'windows', 'positives')):
                continue
            d = abs(new.get(k, float('nan')) - v)
            if not d <= tol:
                bad.append(f'{name} {k}: committed {v} now {new.get(k)}')
    if bad:
        print('compare_cards: metrics moved more than', tol)
        print('\n'.join(bad))
        sys.exit(1)
    print(f'compare_cards: every held-out metric within {tol} of the committed cards')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.01)
