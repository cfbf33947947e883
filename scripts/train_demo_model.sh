#!/usr/bin/env bash
# Train the bundled model (videoscan-demo) from scratch: SmolLM2-135M-Instruct from set-up's GGUF,
# a new vision tower and connector, LoRA on the language model; the paper's stage 1 (carriers)
# then stage 2 (frame tokens + carriers) through the replay trainer. Resumable: run the same
# command again. Then measure it (scripts/check_demo_model.sh); installing it is a separate step
# that refuses a model below issue 22's goals (scripts/install_demo_model.py).
#   scripts/train_demo_model.sh [WORK_DIR] [--device cuda --bf16] [--base-gguf FILE] [--threads N]
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-build/demo-model}
shift || true
START=$(date +%s)
.venv/bin/python -m videoscan_core.train.demo_trainer --work "$WORK" "$@"
END=$(date +%s)
echo "this run took $(( (END - START) / 60 )) min (see $WORK/log.jsonl for every step)" \
    | tee -a "$WORK/training-time.txt"
scripts/check_demo_model.sh "$WORK"
