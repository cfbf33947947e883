#!/usr/bin/env bash
# Train the bundled demo model from scratch on the synthetic streaming benchmark (CPU, ~40 min
# on 2 cores), evaluate it on the test split, and install it in resources/models/videoscan-demo.
#   scripts/train_demo_model.sh [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-build/demo-model}
BIN=.venv/bin
mkdir -p "$WORK"
START=$(date +%s)
$BIN/videoscan make-tiny-model "$WORK/init" --geometry demo --seed 0
# Stage 0: ordinary training on full visual tokens (vision tower, projector and LM from scratch).
$BIN/videoscan train --stage 0 --model "$WORK/init" --output "$WORK/stage0" \
    --videos 40000 --easy-fraction 0.3 --max-steps 2200 --batch-size 8 --lr 3e-4 \
    --warmup-steps 50 --save-steps 500
# Stage 1: every frame is its carrier only (one token per frame).
$BIN/videoscan train --stage 1 --model "$WORK/stage0" --output "$WORK/stage1" \
    --videos 40000 --max-steps 700 --batch-size 8 --lr 2e-4 --warmup-steps 30 --save-steps 500
# Stage 2: frame tokens + carriers with the semantic-aware mask and compact positions.
$BIN/videoscan train --stage 2 --model "$WORK/stage1" --output "$WORK/stage2" \
    --videos 40000 --max-steps 900 --batch-size 8 --lr 2e-4 --warmup-steps 30 --save-steps 500
END=$(date +%s)
echo "training took $(( (END - START) / 60 )) min" | tee "$WORK/training-time.txt"
$BIN/videoscan eval synthetic --model "$WORK/stage2" --videos 200 --split test --json \
    > "$WORK/results.json"
$BIN/videoscan eval synthetic --model "$WORK/stage0" --videos 200 --split test --json \
    --variants full,uniform4,uniform8 > "$WORK/results-stage0.json"
