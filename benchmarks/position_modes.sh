#!/usr/bin/env bash
# Which position mode serves a model best on the synthetic benchmark (benchmarks/NOTES.md).
#   benchmarks/position_modes.sh quick [WORK] [STEPS] [VIDEOS]
#     the bundled demo model (trained with compact positions) streamed in each mode, then the
#     same model trained STEPS more stage-2 steps in each mode (same data, seed and budget) and
#     streamed in that mode; VIDEOS test videos per evaluation.
#     (quick-demo and quick-train run the two halves, e.g. side by side)
#   benchmarks/position_modes.sh full [WORK] [STEPS] [VIDEOS]
#     from scratch: one stage-0 model (full tokens, never saw a carrier: the "untrained" case)
#     and one stage-1 model, then stage 2 in each mode; every model streamed in every mode.
# Results: WORK/*.json (default benchmarks/results/positions, gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:-quick}
WORK=${2:-benchmarks/results/positions}
STEPS=${3:-40}
VIDEOS=${4:-40}
BIN=.venv/bin
mkdir -p "$WORK"
declare -A VARIANT=([compact]=m32 [monotonic]=monotonic [rerotate]=rerotate)
ALL=m32,monotonic,rerotate

evaluate() {  # model, variants, output
    $BIN/videoscan eval synthetic --model "$1" --videos "$VIDEOS" --split test --json \
        --variants "$2" > "$3"
}

stage2() {  # start model, mode, output
    $BIN/videoscan train --stage 2 --model "$1" --output "$3" --position-mode "$2" \
        --videos 40000 --max-steps "$STEPS" --batch-size 8 --lr 1e-4 --warmup-steps 5 \
        --save-steps 100000 --seed 0
}

if [ "$WHAT" = quick ] || [ "$WHAT" = quick-demo ]; then
    evaluate resources/models/videoscan-demo "$ALL" "$WORK/demo.json"
fi
if [ "$WHAT" = quick ] || [ "$WHAT" = quick-train ]; then
    for mode in compact monotonic rerotate; do
        stage2 resources/models/videoscan-demo "$mode" "$WORK/ft-$mode"
        evaluate "$WORK/ft-$mode" "${VARIANT[$mode]}" "$WORK/ft-$mode.json"
    done
fi
if [ "$WHAT" = full ]; then
    $BIN/videoscan make-tiny-model "$WORK/init" --geometry demo --seed 0
    $BIN/videoscan train --stage 0 --model "$WORK/init" --output "$WORK/stage0" \
        --videos 40000 --easy-fraction 0.3 --max-steps 2200 --batch-size 8 --lr 3e-4 \
        --warmup-steps 50 --save-steps 500
    $BIN/videoscan train --stage 1 --model "$WORK/stage0" --output "$WORK/stage1" \
        --videos 40000 --max-steps 700 --batch-size 8 --lr 2e-4 --warmup-steps 30 --save-steps 500
    evaluate "$WORK/stage0" "$ALL" "$WORK/stage0.json"
    for mode in compact monotonic rerotate; do
        stage2 "$WORK/stage1" "$mode" "$WORK/stage2-$mode"
        evaluate "$WORK/stage2-$mode" "$ALL" "$WORK/stage2-$mode.json"
    done
fi
