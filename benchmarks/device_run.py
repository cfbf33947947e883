"""One geometry on one device (a GPU), for ``scripts/gpu_check.sh``: frame cost against history,
answer latency, and device memory over an hour of frames, in one process and one model build.

    python -m benchmarks.device_run --geometry qwen3-vl-2b --device cuda --dtype bfloat16 \
        --out part.json [--budget-s 90] [--soak-frames 3600]

Writes ``--out`` (JSON) after every stage, so a run stopped by its budget or a crash still leaves
what it measured. Stages: ``stream_cost`` (one real VideoScan M=64 and one full-token frame step
at t=16 and t=256, medians of 3 after a warm-up: ``videoscan_flatness`` = t=256 / t=16,
``full_over_videoscan`` at t=256, ``processed_fps`` = 1 / the VideoScan step at t=256),
``answer_latency`` (VideoScan M=64 after 200 frames, a question after 300 tokens of text: time to
first token and decoding tokens/s over 32 tokens; full tokens after 128 frames for the ratio),
(full-token histories stop short of the model's position limit: SmolVLM2's 8,192),
``memory_soak`` (``--soak-frames`` frames through a fresh engine; 8 frames are encoded once and
their visual tokens streamed in turn, so every step is a real language-model step and cache cut;
device memory allocated and its peak every 100 frames, ``allocated_growth_bytes`` from frame 200
to the last, and whether the cache holds exactly S + M entries). A stage that runs out of budget
says so (``stopped``) and the run continues with what it has. Timings wait for the device
(``torch.cuda.synchronize``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream.engine import StreamingEngine

from . import common, geometries
from .answer_latency import question_with_context

MEMORY = 64


class Run:
    def __init__(self, out: Path, budget_s: float) -> None:
        self.out, self.deadline = out, time.monotonic() + budget_s
        self.result: dict = {"stages": {}}

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def save(self) -> None:
        temporary = self.out.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.result, indent=1))
        os.replace(temporary, self.out)


def memory(device: torch.device) -> dict:
    if device.type != "cuda":
        return {}
    return {"allocated_bytes": torch.cuda.memory_allocated(device),
            "peak_bytes": torch.cuda.max_memory_allocated(device)}  # fmt: skip


def frame_step(engine, frame, history: int) -> float:
    common.fill_history(engine, history)
    common.synchronize(engine.model)
    started = time.perf_counter()
    engine.add_frame(frame, float(history))
    common.synchronize(engine.model)
    return (time.perf_counter() - started) * 1000


def stream_cost(model, frame, run: Run) -> dict:
    steps: dict[str, dict[int, float]] = {}
    high = common.full_token_frames(model, 256)  # SmolVLM2's 8,192 positions: fewer frames
    for name, config in (("videoscan", EngineConfig(memory_size=MEMORY)),
                         ("full", EngineConfig(carrier=False, memory_size=None))):  # fmt: skip
        engine = StreamingEngine(model, config)
        steps[name] = {}
        for history in (16, high):
            if run.left() < 5:
                return {"steps_ms": steps, "stopped": "out of time"}
            frame_step(engine, frame, history)  # warm-up
            steps[name][history] = round(common.median(
                [frame_step(engine, frame, history) for _ in range(3)]), 2)  # fmt: skip
        del engine
    vs, full = steps["videoscan"], steps["full"]
    return {
        "steps_ms": steps,
        "high_t": high,
        "videoscan_flatness": round(vs[high] / vs[16], 4),
        "full_over_videoscan": round(full[high] / vs[high], 3),
        "processed_fps": round(1000 / vs[high], 2),
    }


def answer_latency(model, run: Run) -> dict:
    question = question_with_context(model, 300)
    options = GenerationOptions(max_new_tokens=32)
    rows = {}
    longest = common.full_token_frames(model, 128)
    for name, config, history in (
        ("videoscan M=64", EngineConfig(memory_size=MEMORY, time_instruction=False), 200),
        (f"full t={longest}", EngineConfig(carrier=False, memory_size=None,
                                           time_instruction=False), longest),  # fmt: skip
    ):
        if run.left() < 5:
            return {"rows": rows, "stopped": "out of time"}
        engine = StreamingEngine(model, config)
        common.fill_history(engine, history)
        firsts, per_token = [], []
        for _ in range(3):
            last = list(engine.ask(question, options, use_history=False, remember=False))[-1]
            firsts.append(last.ttft_ms)
            per_token.append((last.total_ms - last.ttft_ms) / max(1, last.tokens - 1))
        decode = common.median(per_token[1:])
        rows[name] = {"ttft_ms": round(common.median(firsts[1:]), 2),
                      "decode_tokens_per_s": round(1000 / decode, 1) if decode > 0 else None,
                      "cache_entries": engine.cache.length, "tokens": last.tokens}  # fmt: skip
        del engine
    vs = rows["videoscan M=64"]
    return {"rows": rows, "ttft_ms": vs["ttft_ms"],
            "decode_tokens_per_s": vs["decode_tokens_per_s"],
            "question_tokens": int(model.tokenize(question).shape[1])}  # fmt: skip


def memory_soak(model, frames: int, run: Run, save) -> dict:
    engine = StreamingEngine(model, EngineConfig(memory_size=MEMORY))
    rng = np.random.default_rng(0)
    size = model.image_size
    pictures = [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(8)]
    visuals = engine.encode(pictures)  # tokens [8, N, D] (+ extras)
    samples, result = [], {"frames_planned": frames}
    reference = None
    for index in range(frames):
        event = engine.add_visual_tokens(visuals[index % 8], float(index))
        if (index + 1) % 100 == 0:
            sample = {"frame": index + 1, "cache_entries": event.cache_entries,
                      "kv_bytes": event.kv_cache_bytes, **memory(model.device)}  # fmt: skip
            samples.append(sample)
            if index + 1 == 200 and model.device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(model.device)
                reference = sample
            result.update(frames=index + 1, samples=samples)
            save(result)
            if run.left() < 3:
                result["stopped"] = f"out of time after {index + 1} frames"
                break
    last = samples[-1] if samples else {}
    result["kv_entries_exact"] = last.get("cache_entries") == engine.layout.system + MEMORY
    if reference and "allocated_bytes" in last:
        result["allocated_growth_bytes"] = last["allocated_bytes"] - reference["allocated_bytes"]
        result["peak_after_200_bytes"] = last["peak_bytes"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geometry", required=True, choices=list(geometries.GEOMETRIES))
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--dtype", default="bfloat16")
    parser.add_argument("--out", required=True)
    parser.add_argument("--budget-s", type=float, default=90)
    parser.add_argument("--soak-frames", type=int, default=3600)
    parser.add_argument("--stages", default="stream_cost,answer_latency,memory_soak")
    args = parser.parse_args()
    run = Run(Path(args.out), args.budget_s)
    device = torch.device(args.device)
    result = run.result
    result.update(geometry=args.geometry, device=str(device), dtype=args.dtype,
                  parameters=geometries.parameter_count(args.geometry))  # fmt: skip
    started = time.perf_counter()
    model = geometries.build(args.geometry, device=args.device, dtype=args.dtype)
    result["build_s"] = round(time.perf_counter() - started, 1)
    result["weights"] = memory(device)
    run.save()
    frame = common.random_frame(model)
    stages = [name for name in args.stages.split(",") if name]
    for name in stages:
        if run.left() < 5:
            result["stages"][name] = {"skipped": "out of time"}
            continue
        started = time.perf_counter()
        try:
            with torch.inference_mode():
                if name == "stream_cost":
                    stage = stream_cost(model, frame, run)
                elif name == "answer_latency":
                    stage = answer_latency(model, run)
                else:
                    def save(partial: dict, name: str = name) -> None:
                        result["stages"][name] = partial
                        run.save()

                    stage = memory_soak(model, args.soak_frames, run, save)
        except Exception as error:  # noqa: BLE001 - recorded; the next stage still runs
            stage = {"error": f"{type(error).__name__}: {str(error).strip()[:300]}"}
        stage["seconds"] = round(time.perf_counter() - started, 1)
        result["stages"][name] = stage
        run.save()
    result["finished"] = True
    run.save()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
