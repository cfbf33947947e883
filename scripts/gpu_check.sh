#!/usr/bin/env bash
# The GPU check: scripts/gpu_check.sh --output FILE [--budget-s 420] [--dry-run]
# One JSON file: equivalence tests on CUDA in bfloat16/float16, a sharded (FSDP2) training run,
# and per real geometry (Qwen3-VL-2B, Qwen2.5-VL-3B, SmolVLM2-2.2B; random weights) frame cost,
# answer latency and GPU memory over a stream (benchmarks/gpu_check.py says what each part does).
# Without CUDA it runs a short CPU dry-run of the same parts. Needs only python3 with torch,
# transformers, numpy, safetensors, accelerate and pytest: no virtual environment, no network.
# PYTHON picks the interpreter (default: .venv/bin/python when present, else python3).
set -uo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false QT_QPA_PLATFORM=offscreen
exec "$PYTHON" -m benchmarks.gpu_check "$@"
