"""Training throughput on this machine: tokens per second of one training step (forward,
backward, AdamW) of stage 2 for a model geometry, and the FLOP rate that implies.

Usage: ``python -m benchmarks.train_throughput --geometry tiny|demo [--steps 5] [--batch 4]
[--forward masked|replay|both]``. Prints one JSON line: parameters, sequence tokens per step,
seconds per step (median after one warm-up step), tokens/s and 6 * parameters * tokens/s (the
usual dense training FLOP count). ``masked`` is the one-sequence LLaVA forward
(``train/model.py``), ``replay`` the stream replayed through the adapter (``train/replay.py``,
what SmolVLM2 and Qwen-VL train with) on the same model and batch; ``both`` times the two in one
process, alternating, and adds ``replay_over_masked`` (the time ratio).
docs/training-on-gpus.md scales GPU estimates from these figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time

import torch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--geometry", default="tiny", choices=["tiny", "demo"])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--forward", default="masked", choices=["masked", "replay", "both"])
    args = parser.parse_args()
    from videoscan_core.adapters import load_model
    from videoscan_core.tiny.llava import make_tiny_model
    from videoscan_core.train.data import Collator, SyntheticDataset
    from videoscan_core.train.model import CarrierTrainingModel

    folder = make_tiny_model(tempfile.mkdtemp() + "/m", geometry=args.geometry)
    vlm = load_model(folder, device="cpu", dtype="float32")
    from videoscan_core.train.replay import StreamReplayTrainingModel

    dataset = SyntheticDataset("train", args.batch)
    examples = [dataset[i] for i in range(args.batch)]
    masked = CarrierTrainingModel(vlm.model, 2).train()
    batches = {
        "masked": (masked, Collator(vlm.tokenizer, vlm.preprocessor)(examples)),
        "replay": (
            StreamReplayTrainingModel(vlm, 2).train(),
            Collator(vlm.tokenizer, vlm.preprocessor, raw_frames=True)(examples),
        ),
    }
    chosen = ["masked", "replay"] if args.forward == "both" else [args.forward]
    embeds, _, _, _ = masked._batch(batches["masked"][1])
    tokens = int(embeds.shape[0] * embeds.shape[1])  # the same work for both forwards
    optimizer = torch.optim.AdamW(vlm.model.parameters(), lr=1e-4)
    times: dict[str, list[float]] = {name: [] for name in chosen}
    for _ in range(args.steps + 1):
        for name in chosen:
            wrapper, batch = batches[name]
            started = time.perf_counter()
            loss = wrapper(**batch)["loss"]
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            times[name].append(time.perf_counter() - started)
    parameters = sum(p.numel() for p in vlm.model.parameters())
    result = {"geometry": args.geometry, "parameters": parameters, "tokens_per_step": tokens}
    for name in chosen:
        seconds = statistics.median(times[name][1:])
        prefix = "" if len(chosen) == 1 else f"{name}_"
        result[f"{prefix}seconds_per_step"] = round(seconds, 4)
        result[f"{prefix}tokens_per_s"] = round(tokens / seconds, 1)
        result[f"{prefix}flop_per_s"] = float(f"{6 * parameters * tokens / seconds:.3g}")
    if len(chosen) == 2:
        ratio = result["replay_seconds_per_step"] / result["masked_seconds_per_step"]
        result["replay_over_masked"] = round(ratio, 2)
    result["threads"] = torch.get_num_threads()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
