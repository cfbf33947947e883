"""What re-rotating the cache costs per frame: the frame step in each position mode.

With the memory full (M carriers, plus top-k entries when enabled) and an eviction in every step,
one real frame step is timed per mode, split into prefill and cache surgery (the cut, and for
``rerotate`` the re-rotation of every key behind the first removed entry). Modes are measured
alternately in one process, so the ratio holds on a busy machine.

    python -m benchmarks.position_cost --geometry tiny|small|ov-0.5b [--quick] [--json]
"""

from __future__ import annotations

from videoscan_core.config import EngineConfig
from videoscan_core.stream.engine import StreamingEngine

from . import common, geometries

MODES = ("compact", "monotonic", "rerotate")


def step(engine, frame, history: int) -> dict:
    common.fill_history(engine, history)
    if engine.config.position_mode != "monotonic":  # the cache's own next position
        engine.positions_used = engine.cache.length
    event = engine.add_frame(frame, float(history))
    return {"prefill": event.prefill_ms, "surgery": event.surgery_ms, "total": event.total_ms}


def main() -> None:
    args = common.parser(__doc__.splitlines()[0], default_geometry="small").parse_args()
    common.setup_threads(args.threads)
    model = geometries.build(args.geometry)
    frame = common.random_frame(model)
    repeats = 3 if args.quick else 9
    variants = {"videoscan M=64": {}, "VideoScan+ k=8": {"keep_topk": 8}}
    result: dict = {"geometry": args.geometry, "variants": {}}
    lines = ["| variant | mode | prefill ms | surgery ms | step ms |", "|---|---|---|---|---|"]
    for name, extra in variants.items():
        engines = {
            mode: StreamingEngine(model, EngineConfig(memory_size=64, position_mode=mode, **extra))
            for mode in MODES
        }
        runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
        for mode in MODES:
            step(engines[mode], frame, 80)  # warm-up
        for _ in range(repeats):
            for mode in MODES:  # alternate, so load changes hit every mode alike
                runs[mode].append(step(engines[mode], frame, 80))
        result["variants"][name] = {}
        for mode in MODES:
            row = {key: common.median([run[key] for run in runs[mode]]) for key in runs[mode][0]}
            result["variants"][name][mode] = row
            lines.append(
                f"| {name} | {mode} | {row['prefill']:.1f} | {row['surgery']:.2f} | "
                f"{row['total']:.1f} |"
            )
        compact, rerotated = (result["variants"][name][mode] for mode in ("compact", "rerotate"))
        result["variants"][name]["rerotate_over_compact"] = rerotated["total"] / compact["total"]
    common.emit(result, args.json, "\n".join(lines))


if __name__ == "__main__":
    main()
