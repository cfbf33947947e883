"""Question latency with and without a closer look at the newest frame (EngineConfig.closer_look).

    python -m benchmarks.closer_look_cost --geometry smolvlm2-256m --threads 2 --json

Streams ``--frames`` random 1920x1080 frames into a training-free engine (the family's preset,
memory 64), then times the answer's first token (``ask`` with one new token) for the same
question with and without the closer look, alternating, ``--repeats`` times each after one
warm-up; reports the medians, the difference and what the look adds (its cache entries and, for
SmolVLM2, its image tiles). Random weights of the geometry's shape: the cost, not the answers.
``--geometry tiny`` (the test run) uses the tiny SmolVLM2 (the tiny LLaVA has no closer look).
"""

from __future__ import annotations

import numpy as np

from videoscan_core.adapters.presets import recommended_config
from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.stream.engine import StreamingEngine

from . import common, geometries

QUESTION = "What does the small text at the top of the screen say?"


def build(name: str):
    if name != "tiny":
        return geometries.build(name)
    from videoscan_core.adapters.smolvlm import SmolVLMModel
    from videoscan_core.tiny.smolvlm import build_tiny_smolvlm

    return SmolVLMModel(*build_tiny_smolvlm(seed=0))


def main() -> None:
    parser = common.parser(__doc__.splitlines()[0], default_geometry="smolvlm2-256m")
    parser.add_argument("--frames", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    common.setup_threads(args.threads)
    repeats = 1 if args.quick else args.repeats
    model = build(args.geometry)
    config = recommended_config(model, EngineConfig(memory_size=64, closer_look=True))
    engine = StreamingEngine(model, config)
    rng = np.random.default_rng(0)
    for index in range(2 if args.quick else args.frames):
        engine.add_frame(rng.integers(0, 256, (1080, 1920, 3), dtype=np.uint8), float(index))
    options = GenerationOptions(max_new_tokens=1)
    samples: dict[bool, list[float]] = {True: [], False: []}
    for round_index in range(repeats + 1):
        for look in (True, False):
            engine.config = config.replace(closer_look=look)
            chunks = list(engine.ask(QUESTION, options, remember=False))
            if round_index:  # the first round warms up
                samples[look].append(chunks[-1].ttft_ms)
    with_look, without = common.median(samples[True]), common.median(samples[False])
    chunk = model.closer_look(engine.newest_frame)
    table = (
        f"{args.geometry}, 1920x1080 frames: first token {without:.0f} ms without the closer "
        f"look, {with_look:.0f} ms with it (+{with_look - without:.0f} ms)"
    )
    common.emit(
        {
            "benchmark": "closer_look_cost",
            "geometry": args.geometry,
            "frame": "1920x1080",
            "frames_streamed": engine.frames_seen,
            "ttft_ms_without": round(without, 1),
            "ttft_ms_with": round(with_look, 1),
            "extra_ms": round(with_look - without, 1),
            "look_entries": chunk.length if chunk is not None else 0,
            "frame_tokens": model.tokens_per_frame,
            "repeats": repeats,
        },
        args.json,
        table,
    )


if __name__ == "__main__":
    main()
