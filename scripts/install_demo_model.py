"""Copy a trained demo model into resources/models/videoscan-demo and write its model card.

    python scripts/install_demo_model.py build/demo-model

Reads WORK/stage2 (the model), WORK/stage{0,1,2}/training.json, WORK/results.json and
WORK/results-stage0.json (from scripts/train_demo_model.sh) and WORK/training-time.txt.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "resources" / "models" / "videoscan-demo"
FILES = (
    "config.json",
    "generation_config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "preprocessor_config.json",
    "videoscan.json",
)
TYPES = ("now", "past", "order", "count")


def table(results: list[dict]) -> str:
    lines = ["| variant | overall | " + " | ".join(TYPES) + " |", "|---|---|" + "---|" * len(TYPES)]
    for row in results:
        cells = " | ".join(f"{100 * row['per_type'][k]:.1f}" for k in TYPES)
        lines.append(f"| {row['variant']} | **{100 * row['accuracy']:.1f}** | {cells} |")
    return "\n".join(lines)


def main(work: Path) -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copy(work / "stage2" / name, TARGET / name)
    results = json.loads((work / "results.json").read_text())
    stage0 = json.loads((work / "results-stage0.json").read_text())["results"]
    for row in stage0:
        row["variant"] = f"stage-0 model: {row['variant']}"
    losses = []
    for stage in (0, 1, 2):
        record = json.loads((work / f"stage{stage}" / "training.json").read_text())
        losses.append(
            f"stage {stage}: {record['steps']} steps, mean loss {record['train_loss']:.3f}"
        )
    minutes = (work / "training-time.txt").read_text().strip()
    config = json.loads((TARGET / "config.json").read_text())
    vision, text = config["vision_config"], config["text_config"]
    card = f"""# VideoScan demo model

A small LLaVA-OneVision-architecture model (SigLIP-style vision tower + Qwen2-style language
model, about 2 million parameters, 9 tokens per 48x48 frame) trained **from scratch on this
project's synthetic streaming benchmark** with VideoScan's two-stage recipe. It answers the
benchmark's multiple-choice questions about synthetic videos of coloured shapes; it knows nothing
else (it is not a general assistant). It is bundled so that the app and `videoscan demo` give
real, checkable answers offline.

- Vision: {vision["num_hidden_layers"]} layers, width {vision["hidden_size"]}; language model:
  {text["num_hidden_layers"]} layers, width {text["hidden_size"]}, vocabulary
  {text["vocab_size"]} (tokenizer trained offline).
- Trained without LLaVA-Video's time instruction (`videoscan.json`), compact positions.
- Training on 2 CPU cores: {minutes}. {"; ".join(losses)}.

## How it was trained

```bash
scripts/train_demo_model.sh build/demo-model   # the exact commands, with their arguments
python scripts/install_demo_model.py build/demo-model
```

Stage 0 trains everything on full visual tokens (ordinary causal attention); stage 1 shows each
frame as its carrier only (the mean of its tokens); stage 2 uses frame tokens + carriers with the
semantic-aware mask and the positions streaming inference uses. Loss on answer tokens only.

## Accuracy on the test split ({results["videos"]} videos, seeds disjoint from training)

Exact match of the option letter, per question type: `now` (the shape on screen in the last
frame), `past` (the first shape), `order` (which of two shapes came first; 2 options), `count`
(how many shapes appeared; 4 options). Chance: 25-33% / 25% / 50% / 25%.

{table(stage0 + results["results"])}

Measured by `videoscan eval synthetic --model resources/models/videoscan-demo --videos
{results["videos"]}`. The `stage-0 model` rows are the model before carrier training (stage 0
only): the fair full-token baselines, because stage 2 teaches the question to read carriers, not
visual tokens, so the final model's full-token rows measure a setting it was not trained for.
The ablations change inference only (the model was not retrained without carrier KV or
embedding).
"""
    (TARGET / "README.md").write_text(card)
    print(f"installed the demo model in {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/demo-model")))
