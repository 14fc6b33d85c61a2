#!/usr/bin/env bash
# npm run train [-- --quick]   (or TRAIN_QUICK=1)
# Full: exports the simulator dataset, checks TS<->Python feature parity, trains, writes models/ + cards +
# fixtures, and reports whether the held-out metrics match the committed cards (within 0.01).
# Quick (CI): a smaller dataset, trained into a temporary folder; committed files are left alone.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
QUICK="${TRAIN_QUICK:-0}"
for a in "$@"; do [ "$a" = "--quick" ] && QUICK=1; done
VENV="$ROOT/.venv-train"
PY="$VENV/bin/python"
REQ="$ROOT/scripts/train/requirements.txt"
if [ ! -x "$PY" ] || ! cmp -s "$REQ" "$VENV/.requirements.txt"; then
  echo "train: installing the pinned training environment into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet -r "$REQ"
  cp "$REQ" "$VENV/.requirements.txt"
fi
# HHOSSA must find the informative features of a synthetic problem before it may choose ours.
(cd scripts/train && "$PY" hhossa.py --self-test && "$PY" ablation.py --self-test && "$PY" dev_metrics.py --self-test)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/apt-train.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
SCHEMA="$ROOT/common/features/schema.json"
npx tsx scripts/train/write_schema.ts --check
QFLAG=""
[ "$QUICK" = "1" ] && QFLAG="--quick"
npx tsx scripts/train/export_dataset.ts --out "$WORK/data" $QFLAG
RUN="$(ls "$WORK/data/events" | sed -n 2p | sed 's/\.ndjson$//')"
(cd scripts/train && "$PY" parity_check.py "$SCHEMA" "$WORK/data/rows.csv" "$WORK/data/events/$RUN.ndjson" "$RUN")
# Golden vectors: the committed events must still give the committed rows (Python side of the jest test).
GOLDEN="$ROOT/common/features/fixtures"
npx tsx scripts/train/export_dataset.ts --golden-events "$WORK/golden_events.ndjson.gz"
(cd scripts/train && "$PY" make_golden.py "$SCHEMA" "$WORK/golden_events.ndjson.gz" "$WORK/golden_rows.json.gz")
if [ "$QUICK" = "1" ]; then
  MODELS="$WORK/models"
  PFIX="$WORK/fixtures"
  IFIX="$WORK/fixtures"
else
  MODELS="$ROOT/models"
  PFIX="$ROOT/server/detection/models/fixtures"
  IFIX="$ROOT/server/detection/baselines/fixtures"
  mkdir -p "$WORK/committed"
  cp "$MODELS"/*.card.json "$WORK/committed/" 2>/dev/null || true
  cp "$WORK/golden_events.ndjson.gz" "$WORK/golden_rows.json.gz" "$GOLDEN/"
fi
(cd scripts/train && "$PY" train.py --data "$WORK/data" --schema "$SCHEMA" --models "$MODELS" --fixtures "$PFIX" $QFLAG)
mkdir -p "$IFIX"
[ "$PFIX" != "$IFIX" ] && mv "$PFIX/isolation_forest_comparison.json.gz" "$IFIX/"
if [ "$QUICK" != "1" ]; then
  (cd scripts/train && "$PY" compare_cards.py "$WORK/committed" "$MODELS" 0.01)
fi
ls -la "$MODELS"
