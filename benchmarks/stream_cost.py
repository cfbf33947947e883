"""Per-frame step cost against history length: VideoScan vs full tokens (and variants).

For each history length t the engine is put in the state it has after t frames (random K/V,
see ``common.fill_history``) and one real frame step is timed, split into vision, prefill and
cache surgery. Prints a table, writes a PNG plot, and with ``--json`` one JSON object with
``videoscan_flatness`` (VideoScan step time at the largest t over the smallest t) and
``full_over_videoscan`` (full-token over VideoScan prefill time at the largest t), plus the
engine overhead ratio: a VideoScan step over (vision encode + a bare transformers prefill of the
same N+1 tokens over a DynamicCache of the same length). The vision path runs on
``--vision-runtime`` (default auto: OpenVINO where installed, see
``videoscan_core/adapters/vision_runtime.py``); ``processed_fps`` is 1 / the VideoScan step at the
largest t (vision included), and ``vision_speedup`` / ``vision_rel_error`` compare that runtime with
PyTorch float32 eager side by side (``vision_compare.py``).

    python -m benchmarks.stream_cost --geometry tiny|small|ov-0.5b [--quick] [--json]
        [--vision-runtime auto|torch|openvino]
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import DynamicCache

from videoscan_core.adapters import vision_runtime
from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine

from . import common, geometries, vision_compare
from .plot import line_chart

POINTS = {
    "tiny": [16, 64, 256, 1024],
    "small": [16, 64, 256, 1024],
    "ov-0.5b": [16, 64, 256],
    "smolvlm2-256m": [16, 64, 256],
    "smolvlm2-500m": [16, 64, 256],
    "qwen2.5-vl-3b": [16, 64, 256],
    "qwen3-vl-2b": [16, 64, 256],
}
QUICK = {
    "tiny": [16, 256],
    "small": [16, 128],
    "ov-0.5b": [16, 64],
    "smolvlm2-256m": [16, 64],
    "smolvlm2-500m": [16, 64],
    "qwen2.5-vl-3b": [16, 64],
    "qwen3-vl-2b": [16, 64],
}
# one repeat: seconds per step
BIG = ("ov-0.5b", "smolvlm2-256m", "smolvlm2-500m", "qwen2.5-vl-3b", "qwen3-vl-2b")
HOUR_AT_1_FPS = 3600
VARIANTS = {
    "videoscan": EngineConfig(memory_size=64),
    "full": EngineConfig(carrier=False, memory_size=None),
    "videoscan+k8": EngineConfig(memory_size=64, keep_topk=8),
    "recent-r2": EngineConfig(memory_size=64, recent_frames=2),
}


def step(engine, frame, history: int) -> dict:
    common.fill_history(engine, history)
    event = engine.add_frame(frame, float(history))
    return {
        "vision": event.vision_ms,
        "prefill": event.prefill_ms,
        "surgery": event.surgery_ms,
        "total": event.total_ms,
        "cache_entries": event.cache_entries,
        "kv_bytes": event.kv_cache_bytes,
    }


def measure(engine, frame, history: int, repeats: int) -> dict:
    step(engine, frame, history)  # warm-up
    runs = [step(engine, frame, history) for _ in range(repeats)]
    return {key: common.median([run[key] for run in runs]) for key in runs[0]}


def engine_overhead(model, frame, history: int, repeats: int) -> dict:
    """The engine's frame step against the bare computation it wraps, measured alternately
    (so both see the same machine state): vision encode + a plain transformers prefill of the same
    N+1 tokens over a DynamicCache of the same length, without cut, bank or bookkeeping."""
    import time

    engine = StreamingEngine(model, VARIANTS["videoscan"])
    with torch.inference_mode():
        visual = model.encode_frames(model.preprocess([frame]))  # [1, N, D]
    vision_engine, vision_bare, step, bare = [], [], [], []
    for index in range(repeats + 2):
        common.fill_history(engine, history)
        event = engine.add_frame(frame, float(history))
        entries = event.cache_entries - 1  # the cache the step prefilled over
        with torch.inference_mode():
            cache = DynamicCache()
            for layer in range(model.num_layers):
                shape = (1, model.num_kv_heads, entries, model.head_dim)
                cache.update(torch.zeros(shape), torch.zeros(shape), layer)
            started = time.perf_counter()
            model.encode_frames(model.preprocess([frame]))
            encoded = time.perf_counter()
            inputs = torch.cat([visual, visual.mean(1, keepdim=True)], dim=1)
            positions = torch.arange(entries, entries + inputs.shape[1])[None]
            model.decoder(
                inputs_embeds=inputs,
                position_ids=positions,
                past_key_values=cache,
                use_cache=True,
            )
            finished = time.perf_counter()
        if index >= 2:  # warm-up
            vision_engine.append(event.vision_ms)
            vision_bare.append((encoded - started) * 1000)
            step.append(event.prefill_ms + event.surgery_ms)
            bare.append((finished - encoded) * 1000)
    language = common.median(step) / common.median(bare)
    total = (common.median(vision_engine) + common.median(step)) / (
        common.median(vision_bare) + common.median(bare)
    )
    return {"engine_overhead": round(total, 4), "engine_overhead_llm": round(language, 4)}


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument(
        "--plot", default="", help="PNG path (default benchmarks/results/stream_cost_GEOMETRY.png)"
    )
    parser.add_argument(
        "--vision-runtime",
        default="auto",
        choices=vision_runtime.VISION_RUNTIMES,
        help="what runs the vision tower (default auto)",
    )
    args = parser.parse_args()
    common.setup_threads(args.threads)
    points = (QUICK if args.quick else POINTS)[args.geometry]
    repeats = 1 if args.geometry in BIG or args.quick else 3
    model = geometries.build(args.geometry)
    vision_runtime.attach(model, args.vision_runtime)
    frame = common.random_frame(model)
    vision = vision_compare.compare(model, frame, 5 if args.geometry in BIG else 9)
    rows: dict[str, dict[int, dict]] = {}
    for name, config in VARIANTS.items():
        if args.quick and name not in ("videoscan", "full"):
            continue
        engine = StreamingEngine(model, config)
        rows[name] = {t: measure(engine, frame, t, repeats) for t in points}
    low, high = points[0], points[-1]
    videoscan, full = rows["videoscan"], rows["full"]
    overhead_repeats = 3 if args.geometry in BIG else 15
    overhead = engine_overhead(model, frame, high, overhead_repeats)
    result = {
        "benchmark": "stream_cost",
        "geometry": args.geometry,
        "points": points,
        "tokens_per_frame": model.tokens_per_frame,
        "steps_ms": {
            name: {str(t): values for t, values in by_t.items()} for name, by_t in rows.items()
        },
        "processed_fps": round(1000 / videoscan[high]["total"], 3),
        **vision,
        "videoscan_flatness": round(videoscan[high]["total"] / videoscan[low]["total"], 4),
        "videoscan_prefill_flatness": round(
            videoscan[high]["prefill"] / videoscan[low]["prefill"], 4
        ),
        "full_over_videoscan": round(full[high]["prefill"] / videoscan[high]["prefill"], 3),
        "full_over_videoscan_total": round(full[high]["total"] / videoscan[high]["total"], 3),
        **overhead,
        "kv_bytes_at_largest_t": {name: int(by_t[high]["kv_bytes"]) for name, by_t in rows.items()},
    }
    # KV growth per frame (the model's dtype) and the cache after 1 h at 1 FPS: full tokens grow
    # by a frame's entries each second; VideoScan's cache is bounded (its size at t = high)
    full_per_frame = (full[high]["kv_bytes"] - full[low]["kv_bytes"]) / (high - low)
    hour_full = full[low]["kv_bytes"] + full_per_frame * (HOUR_AT_1_FPS - low)
    result["kv_bytes_per_frame"] = {
        "full": int(full_per_frame),
        "videoscan_carrier": model.kv_bytes_per_entry(),  # none once the bank is full
    }
    result["projected_kv_gb_1h_1fps"] = {
        "full": round(hour_full / 1e9, 6),
        "videoscan": round(videoscan[high]["kv_bytes"] / 1e9, 6),
    }
    plot = Path(args.plot or f"benchmarks/results/stream_cost_{args.geometry}.png")
    plot.parent.mkdir(parents=True, exist_ok=True)
    line_chart(
        plot,
        {name: [(t, by_t[t]["total"]) for t in points] for name, by_t in rows.items()},
        f"Per-frame step time vs history ({args.geometry}, {model.tokens_per_frame} tokens/frame)",
        "frames of history (log scale)",
        "ms per frame",
    )
    result["plot"] = str(plot)
    lines = [
        "| variant | " + " | ".join(f"t={t}" for t in points) + " |",
        "|---|" + "---|" * len(points),
    ]
    for name, by_t in rows.items():
        cells = " | ".join(
            f"{by_t[t]['total']:.1f} (v {by_t[t]['vision']:.1f} / p {by_t[t]['prefill']:.1f}"
            f" / s {by_t[t]['surgery']:.2f})"
            for t in points
        )
        lines.append(f"| {name} | {cells} |")
    lines += [
        "",
        f"processed frames/s at t={high}: {result['processed_fps']} "
        f"(vision on {result['vision_runtime']}: {result['vision_speedup']}x PyTorch f32, "
        f"rel. error {result['vision_rel_error']})",
        f"VideoScan flatness t={high}/t={low}: {result['videoscan_flatness']}",
        f"full / VideoScan prefill at t={high}: {result['full_over_videoscan']}x",
        f"engine overhead vs bare vision+prefill: {result['engine_overhead']} "
        f"(language model part {result['engine_overhead_llm']})",
        f"plot: {plot}",
    ]
    common.emit(result, args.json, "\n".join(lines))


if __name__ == "__main__":
    main()
