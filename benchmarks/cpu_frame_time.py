"""Seconds of CPU per streamed frame for a random-weight geometry, robust to a busy machine.

``python -m benchmarks.cpu_frame_time --geometry smolvlm2-256m --frames 6 --json`` streams
``--frames`` random frames (after one warm-up) through the engine with the family's training-free
preset and reports, per frame, the wall time and the process CPU time (user + system, all
threads). On a shared machine wall time includes waiting for other jobs; CPU time does not, so
``cpu_s_per_frame / threads`` estimates the wall time on that many idle cores (an estimate: it
assumes the threads keep every core busy). The vision tower runs on ``--vision-runtime`` (default
auto, see ``videoscan_core/adapters/vision_runtime.py``; ``torch`` for the PyTorch float32 path).
"""

from __future__ import annotations

import statistics
import time

import torch

from videoscan_core.adapters import vision_runtime
from videoscan_core.adapters.presets import recommended_config
from videoscan_core.stream.engine import StreamingEngine

from . import common, geometries


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument(
        "--vision-runtime",
        default="auto",
        choices=vision_runtime.VISION_RUNTIMES,
        help="what runs the vision tower (default auto)",
    )
    args = parser.parse_args()
    common.setup_threads(args.threads)
    model = geometries.build(args.geometry)
    runtime = vision_runtime.attach(model, args.vision_runtime)
    engine = StreamingEngine(model, recommended_config(model))
    frame = common.random_frame(model)
    walls, cpus = [], []
    for index in range(args.frames + 1):
        wall, cpu = time.perf_counter(), time.process_time()
        engine.add_frame(frame, float(index))
        if index:  # the first frame warms up
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    threads = torch.get_num_threads()
    result = {
        "benchmark": "cpu_frame_time",
        "geometry": args.geometry,
        "tokens_per_frame": model.tokens_per_frame,
        "position_mode": engine.config.position_mode,
        "recent_frames": engine.config.recent_frames,
        "threads": threads,
        "vision_runtime": runtime.active,
        "wall_s_per_frame": round(statistics.median(walls), 3),
        "cpu_s_per_frame": round(statistics.median(cpus), 3),
        "idle_estimate_s_per_frame": round(statistics.median(cpus) / threads, 3),
        "idle_estimate_fps": round(threads / statistics.median(cpus), 3),
    }
    common.emit(result, args.json, " ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
