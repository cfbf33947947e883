"""An hour of 1 FPS streaming (3,600 frames): process memory and KV bytes must stay flat.

Streams real frames (random images) through the engine with VideoScan M=64 and records RSS and
KV-cache bytes every 100 frames. With ``--json`` the last line has ``rss_growth`` (relative RSS
growth from frame 200 to the last frame), ``kv_entries_per_layer`` and whether that equals
S + M.

    python -m benchmarks.memory_soak [--geometry small] [--frames 3600] [--quick] [--json]
"""

from __future__ import annotations

import numpy as np

from videoscan_core.config import EngineConfig
from videoscan_core.process_stats import current_rss_mb
from videoscan_core.stream.engine import StreamingEngine

from . import common, geometries


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0], default_geometry="small")
    parser.add_argument("--frames", type=int, default=3600)
    parser.add_argument("--memory", type=int, default=64)
    args = parser.parse_args()
    common.setup_threads(args.threads)
    frames = 300 if args.quick else args.frames  # quick: flat from frame 200 to 300
    model = geometries.build(args.geometry)
    engine = StreamingEngine(model, EngineConfig(memory_size=args.memory))
    rng = np.random.default_rng(0)
    size = model.image_size
    base = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
    samples = []
    for index in range(frames):
        frame = np.roll(base, index * 3, axis=1)  # a moving picture, never identical
        event = engine.add_frame(frame, float(index))
        if (index + 1) % 100 == 0:
            samples.append(
                {
                    "frame": index + 1,
                    "rss_mb": round(current_rss_mb(), 1),
                    "kv_bytes": event.kv_cache_bytes,
                    "cache_entries": event.cache_entries,
                    "step_ms": round(event.total_ms, 2),
                }
            )
    reference = next(s for s in samples if s["frame"] >= min(200, frames))
    last = samples[-1]
    system = engine.layout.system
    result = {
        "benchmark": "memory_soak",
        "geometry": args.geometry,
        "frames": frames,
        "memory_size": args.memory,
        "samples": samples,
        "rss_growth": round((last["rss_mb"] - reference["rss_mb"]) / reference["rss_mb"], 4),
        "kv_bytes_growth": last["kv_bytes"] - reference["kv_bytes"],
        "kv_entries_per_layer": last["cache_entries"],
        "kv_entries_expected": system + args.memory,
        "kv_entries_exact": last["cache_entries"] == system + args.memory,
        "kv_allocated_bytes": engine.cache.allocated_bytes(),
    }
    lines = ["| frame | RSS MB | KV bytes | cache entries | step ms |", "|---|---|---|---|---|"]
    lines += [
        f"| {s['frame']} | {s['rss_mb']} | {s['kv_bytes']} | {s['cache_entries']} | "
        f"{s['step_ms']} |"
        for s in samples
    ]
    lines += [
        "",
        f"RSS growth from frame {reference['frame']} to {frames}: "
        f"{100 * result['rss_growth']:.2f}%",
        f"KV entries per layer: {last['cache_entries']} (S + M = {system + args.memory})",
    ]
    common.emit(result, args.json, "\n".join(lines))


if __name__ == "__main__":
    main()
