#!/usr/bin/env bash
# Measure a trained demo model against issue 22's goals on held-out test videos; the results go
# into WORK for scripts/install_demo_model.py (which refuses a model below a goal).
#   scripts/check_demo_model.sh [WORK_DIR] [VIDEOS]     (VIDEOS: 200 by default; 100 for alerts)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-build/demo-model}
VIDEOS=${2:-200}
MODEL="$WORK/model"
BIN=.venv/bin
$BIN/videoscan eval synthetic --model "$MODEL" --videos "$VIDEOS" --split test --json \
    --variants m32,m16,m8 > "$WORK/results.json"
$BIN/videoscan demo --model "$MODEL" --videos "$VIDEOS" --memory 32 --words 6 --json \
    > "$WORK/words.json"
$BIN/python -m benchmarks.alert_quality --model "$MODEL" --videos $(( (VIDEOS + 1) / 2 )) --json \
    > "$WORK/alerts.json"
$BIN/python -m videoscan_core.eval.plain_text "$MODEL" --frames 8 --json > "$WORK/plain.json" || true
