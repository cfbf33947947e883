"""Training throughput on this machine: tokens per second of one training step (forward,
backward, AdamW) of stage 2 for a model geometry, and the FLOP rate that implies.

Usage: ``python -m benchmarks.train_throughput --geometry tiny|demo [--steps 5] [--batch 4]``.
Prints one JSON line: parameters, sequence tokens per step, seconds per step (median after one
warm-up step), tokens/s and 6 * parameters * tokens/s (the usual dense training FLOP count).
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
    args = parser.parse_args()
    from videoscan_core.adapters import load_model
    from videoscan_core.tiny_model import make_tiny_model
    from videoscan_core.train.data import Collator, SyntheticDataset
    from videoscan_core.train.model import CarrierTrainingModel

    folder = make_tiny_model(tempfile.mkdtemp() + "/m", geometry=args.geometry)
    vlm = load_model(folder, device="cpu", dtype="float32")
    wrapper = CarrierTrainingModel(vlm.model, 2).train()
    dataset = SyntheticDataset("train", args.batch)
    collate = Collator(vlm.tokenizer, vlm.preprocessor)
    batch = collate([dataset[i] for i in range(args.batch)])
    optimizer = torch.optim.AdamW(wrapper.parameters(), lr=1e-4)
    embeds, _, _, _ = wrapper._batch(batch)
    tokens = int(embeds.shape[0] * embeds.shape[1])
    times = []
    for _ in range(args.steps + 1):
        started = time.perf_counter()
        loss = wrapper(**batch)["loss"]
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        times.append(time.perf_counter() - started)
    seconds = statistics.median(times[1:])
    parameters = sum(p.numel() for p in wrapper.parameters())
    print(
        json.dumps(
            {
                "geometry": args.geometry,
                "parameters": parameters,
                "tokens_per_step": tokens,
                "seconds_per_step": round(seconds, 4),
                "tokens_per_s": round(tokens / seconds, 1),
                "flop_per_s": float(f"{6 * parameters * tokens / seconds:.3g}"),
                "threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
