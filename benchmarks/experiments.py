"""Speed experiments behind benchmarks/NOTES.md, each measured in one process.

1. profile: where a VideoScan frame step spends its time (torch.profiler, top operators);
2. batched vision: encoding 4 waiting frames at once vs one at a time, alone and in a whole
   offline stream (``stream_frames``, as ``videoscan run`` uses it);
3. threads: a VideoScan step with 1 thread vs all cores;
4. int8: dynamic int8 language model vs float32 (frame step and per-token decode);
5. bfloat16 on CPU vs float32 (frame step).

    python -m benchmarks.experiments [--geometry small] [--quick] [--json]
"""

from __future__ import annotations

import copy

import torch

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream.engine import StreamingEngine
from videoscan_core.stream.frame_batches import stream_frames

from . import common, geometries


def step_ms(model, repeats: int, history: int = 64) -> float:
    """A VideoScan frame step at a full bank (the history is set up untimed)."""
    engine = StreamingEngine(model, EngineConfig(memory_size=64))
    frame = common.random_frame(model)
    times = []
    for index in range(repeats + 1):
        common.fill_history(engine, history)
        event = engine.add_frame(frame, float(history))
        if index:
            times.append(event.total_ms)
    return common.median(times)


def decode_ms(model, repeats: int) -> float:
    engine = StreamingEngine(model, EngineConfig(memory_size=64, time_instruction=False))
    common.fill_history(engine, 64)
    options = GenerationOptions(max_new_tokens=16)
    per_token = []
    for _ in range(repeats + 1):
        last = list(engine.ask("Describe what happened on the screen.", options))[-1]
        per_token.append((last.total_ms - last.ttft_ms) / max(1, last.tokens - 1))
    return common.median(per_token[1:])


@torch.inference_mode()
def vision_ms(model, batch: int, repeats: int) -> float:
    frames = [common.random_frame(model, seed) for seed in range(batch)]
    pixels = model.preprocess(frames)
    times = common.timed(lambda: model.encode_frames(pixels), repeats)
    return common.median(times) / batch


def offline_stream_ms(model, batch: int, repeats: int, frames: int = 16) -> float:
    """Wall time per frame of streaming ``frames`` frames with ``stream_frames(batch)``."""
    engine = StreamingEngine(model, EngineConfig(memory_size=64))
    samples = [(float(t), common.random_frame(model, t)) for t in range(frames)]

    def stream() -> None:
        engine.reset()
        for _ in stream_frames(engine, samples, batch):
            pass

    return common.median(common.timed(stream, repeats)) / frames


def profile_step(model) -> list[dict]:
    engine = StreamingEngine(model, EngineConfig(memory_size=64))
    frame = common.random_frame(model)
    common.fill_history(engine, 64)
    engine.add_frame(frame, 64.0)
    common.fill_history(engine, 64)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as profiler:
        engine.add_frame(frame, 64.0)
    table = profiler.key_averages()
    total = sum(item.self_cpu_time_total for item in table)
    rows = sorted(table, key=lambda item: item.self_cpu_time_total, reverse=True)[:8]
    return [{"op": item.key, "share": round(item.self_cpu_time_total / total, 3)} for item in rows]


def main() -> None:
    args = common.parser(__doc__.splitlines()[0], default_geometry="small").parse_args()
    common.setup_threads(args.threads)
    repeats = 1 if args.quick else 5  # quick: a functional run, no figures to quote
    model = geometries.build(args.geometry)
    cores = torch.get_num_threads()
    result = {"benchmark": "experiments", "geometry": args.geometry, "threads": cores}
    result["profile_top_ops"] = profile_step(model)
    result["vision_ms_per_frame_batch1"] = vision_ms(model, 1, repeats)
    result["vision_ms_per_frame_batch4"] = vision_ms(model, 4, repeats)
    result["offline_stream_ms_per_frame_batch1"] = offline_stream_ms(model, 1, repeats)
    result["offline_stream_ms_per_frame_batch4"] = offline_stream_ms(model, 4, repeats)
    result["step_ms_float32"] = step_ms(model, repeats)
    torch.set_num_threads(1)
    result["step_ms_1_thread"] = step_ms(model, repeats)
    torch.set_num_threads(cores)
    result["decode_ms_float32"] = decode_ms(model, repeats)
    quantized = copy.deepcopy(model)
    from videoscan_core.adapters.quantize import quantize_language_model

    quantize_language_model(quantized.model)
    result["step_ms_int8"] = step_ms(quantized, repeats)
    result["decode_ms_int8"] = decode_ms(quantized, repeats)
    del quantized
    bf16 = copy.deepcopy(model)
    bf16.model.to(torch.bfloat16)
    result["step_ms_bfloat16"] = step_ms(bf16, max(1, repeats // 2))
    lines = [f"{key}: {value}" for key, value in result.items() if key != "profile_top_ops"]
    lines += ["top operators of a VideoScan step:"]
    lines += [f"  {row['share'] * 100:5.1f}%  {row['op']}" for row in result["profile_top_ops"]]
    common.emit(result, args.json, "\n".join(lines))


if __name__ == "__main__":
    main()
