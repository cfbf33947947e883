"""The bundled model's speed on a CPU: per frame at 1 FPS, decoding, first token with screen text.

    python -m benchmarks.demo_model_speed [--model videoscan-demo] [--threads 2] [--frames 40]
        [--lora] [--quick] [--json]

Streams ``--frames`` synthetic frames (memory M=32, so the bank is full and frames are cut) and
reports the median seconds per frame (``add_frame``: vision, the frame's chunk through the
language model, the cut), then asks one question with the largest screen-text context the
prompt takes (``MAX_CONTEXT_CHARS``) and one without: time to first token (ms) and decoding
(tokens/s, greedy, 32 tokens), each the median of ``--repeats`` answers, all in this one run.
Issue 22's goals: per frame <= 0.5 s, decoding >= 20 tokens/s, first token <= 1 s with the
context, on 2 cores. ``--lora`` adds random LoRA adapters (rank 16, all linear layers) to a model
that has none, so the set-up's untrained test model (``.cache/base-lm/smolvlm2-smollm2-test``:
the same architecture) costs what the trained one will.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import torch

QUESTION = "What was the reference number of the bank transfer?"


def context_blocks():
    from videoscan_core.events import SeenText
    from videoscan_core.screen_text.prompt import MAX_CONTEXT_CHARS

    lines, used, t = [], 0, 0.0
    while used < MAX_CONTEXT_CHARS:
        text = f"Transfer confirmed | Amount: {120 + t:.2f} EUR | Reference: REF{int(t) * 7919:08d}"
        lines.append(SeenText(text, t, t + 3))
        used += len(text) + 8
        t += 5
    return lines


def add_lora(vlm) -> None:
    from videoscan_core.adapters.lora import LoraSettings, inject_lora, lora_state

    inject_lora(vlm.decoder, LoraSettings(rank=16, alpha=32.0))
    with torch.no_grad():
        for tensor in lora_state(vlm.decoder).values():
            tensor.normal_(0, 0.01)
    vlm.decoder.requires_grad_(False)
    vlm.lora_module = vlm.decoder


def measure(model: str, frames: int, repeats: int, lora: bool) -> dict:
    from videoscan_core.adapters import load_model
    from videoscan_core.config import EngineConfig, GenerationOptions
    from videoscan_core.eval.synthetic import make_video, split_seeds
    from videoscan_core.stream.engine import StreamingEngine

    vlm = load_model(model, device="cpu", dtype="float32")
    if lora and vlm.lora_module is None:
        add_lora(vlm)
    engine = StreamingEngine(vlm, EngineConfig(device="cpu", memory_size=32))
    pictures = []
    for seed in split_seeds("test", 20):
        pictures += make_video(seed).frames
    seconds = []
    for index in range(frames):
        started = time.perf_counter()
        engine.add_frame(pictures[index % len(pictures)], float(index))
        seconds.append(time.perf_counter() - started)
    options = GenerationOptions(max_new_tokens=32)
    result = {
        "frames": frames,
        "seconds_per_frame": statistics.median(seconds[3:] or seconds),
        "lora": vlm.lora_module is not None,
    }
    for name, blocks in (("with_context", context_blocks()), ("without_context", ())):
        firsts, rates = [], []
        for _ in range(repeats):
            last = list(
                engine.ask(QUESTION, options, use_history=False, remember=False, screen_text=blocks)
            )[-1]
            firsts.append(last.ttft_ms)
            rates.append(max(0, last.tokens - 1) / max(1e-9, (last.total_ms - last.ttft_ms) / 1e3))
        result[name] = {
            "ttft_ms": round(statistics.median(firsts), 1),
            "tokens_per_second": round(statistics.median(rates), 1),
        }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.demo_model_speed")
    parser.add_argument("--model", default="videoscan-demo")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lora", action="store_true", help="random LoRA on a model without")
    parser.add_argument("--quick", action="store_true", help="8 frames, 1 answer each")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    frames, repeats = (8, 1) if args.quick else (args.frames, args.repeats)
    result = {"threads": args.threads, **measure(args.model, frames, repeats, args.lora)}
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
