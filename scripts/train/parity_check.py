"""TS <-> Python feature parity: recomputes every row of one exported run from its FeatureEvents and compares
with the rows the TypeScript extractor wrote. Fails (exit 1) on any difference above 1e-9 or on a row-count
mismatch; also refuses to pass on a run without variety (too few rows or positives)."""
import csv
import sys

import numpy as np

from features import extract_file, load_schema


def main(schema_path, rows_csv, events_path, run):
    schema = load_schema(schema_path)
    nf, L, nn = len(schema['windowFeatures']), schema['seqLen'], len(schema['seqNumeric'])
    ts = {}
    with open(rows_csv) as f:
        r = csv.reader(f)
        header = next(r)
        for line in r:
            if line[0] != run:
                continue
            key = (line[2], line[3], int(line[4]))
            vals = [float(x) for x in line[7:]]
            ts[key] = (int(line[6]), vals)
    py = extract_file(schema, events_path)
    if len(py) != len(ts):
        sys.exit(f'parity: python {len(py)} rows, typescript {len(ts)} rows for run {run}')
    worst = 0.0
    for row in py:
        key = (row['entity_type'], row['entity'], row['window_start'])
        if key not in ts:
            sys.exit(f'parity: python row {key} missing on the TypeScript side')
        label, vals = ts[key]
        mine = np.array(row['features'] + row['tokens'] + row['seq'], dtype=np.float64)
        theirs = np.array(vals, dtype=np.float64)
        d = np.abs(mine - theirs)
        worst = max(worst, float(d.max()))
        if d.max() > 1e-9 or label != row['label']:
            i = int(d.argmax())
            sys.exit(f'parity: {key} differs at column {header[7 + i]}: python {mine[i]} ts {theirs[i]}')
    positives = sum(r['label'] for r in py)
    if len(py) < 100 or positives == 0:
        sys.exit(f'parity: run {run} too small to prove anything ({len(py)} rows, {positives} positive)')
    print(f'parity: run {run}: {len(py)} rows identical (max abs diff {worst:.3g}, {positives} positive)')


if __name__ == '__main__':
    main(*sys.argv[1:5])
