"""Writes the golden feature vectors the jest test compares the TypeScript extractor against: Python computes
every window row of a small exported events file (gzipped NDJSON of FeatureEvents)."""
import gzip
import json
import sys

from features import Extractor, load_schema


def main(schema_path, events_gz, out_gz):
    schema = load_schema(schema_path)
    ex = Extractor(schema)
    rows = []
    with gzip.open(events_gz, 'rt') as f:
        for line in f:
            if line.strip():
                e = json.loads(line)
                rows.extend(ex.add(e, e.get('y', 0)))
    rows.extend(ex.flush())
    positives = sum(r['label'] for r in rows)
    if len(rows) < 100 or positives == 0:
        sys.exit(f'make_golden: {events_gz} gives {len(rows)} rows, {positives} positive: too little to test')
    doc = {'schemaVersion': schema['version'], 'rows': rows}
    with gzip.GzipFile(out_gz, 'wb', mtime=0) as f:
        f.write(json.dumps(doc).encode())
    print(f'make_golden: {len(rows)} rows ({positives} positive) -> {out_gz}')


if __name__ == '__main__':
    main(*sys.argv[1:4])
