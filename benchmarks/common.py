"""Shared benchmark helpers: timing, synthetic history, argument parsing, JSON output.

``fill_history(engine, t)`` puts an engine in the state it would have after ``t`` frames (random
K/V entries in the cache, matching layout blocks and bank entries) without computing them: the
next step then costs exactly what a real step at history ``t`` costs. It writes the engine's
internals directly and exists for benchmarks only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

from videoscan_core.stream.cache_layout import FrameBlock
from videoscan_core.stream.memory_bank import BankEntry

from . import geometries


def parser(description: str, default_geometry: str = "tiny") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--geometry", choices=list(geometries.GEOMETRIES), default=default_geometry)
    parser.add_argument("--quick", action="store_true", help="fewer points and repeats")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object as the last line"
    )
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0 = default)")
    return parser


def add_device_options(parser: argparse.ArgumentParser) -> None:
    """``--device`` / ``--dtype`` for the random-weight model (default: CPU, float32)."""
    parser.add_argument("--device", default=None, help="cpu (default), cuda, cuda:1, ...")
    parser.add_argument("--dtype", default=None, choices=["float32", "bfloat16", "float16"])


def synchronize(model) -> None:
    """Wait for the model's device (CUDA work is asynchronous) before reading a clock."""
    if model.device.type == "cuda":
        torch.cuda.synchronize(model.device)


def setup_threads(threads: int) -> None:
    if threads:
        torch.set_num_threads(threads)


def timed(function: Callable[[], object], repeats: int, warmup: int = 1) -> list[float]:
    """Wall milliseconds of ``repeats`` calls after ``warmup`` untimed ones."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def median(values) -> float:
    return float(statistics.median(values)) if values else float("nan")


def random_frame(model, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    size = model.image_size
    return rng.integers(0, 256, (size, size, 3), dtype=np.uint8)


def frame_entries(model) -> int:
    """Cache entries one whole frame takes: its visual tokens and its scaffold text."""
    text = model.frame_text(0.0)
    return model.tokens_per_frame + sum(
        model.tokenize(piece).shape[1] for piece in (text.before, text.after)
    )


def full_token_frames(model, wanted: int, reserve: int = 1024) -> int:
    """``wanted`` frames of full-token history, or fewer if their positions would pass the
    model's limit (SmolVLM2: 8,192), keeping ``reserve`` positions for system and question."""
    limit = getattr(model, "max_position_embeddings", 0) or 0
    if not limit:
        return wanted
    return max(1, min(wanted, (limit - reserve) // (frame_entries(model) + 1)))


@torch.inference_mode()
def fill_history(engine, frames: int) -> None:
    """Make ``engine`` look as if it had streamed ``frames`` frames (see module docstring)."""
    engine.reset()
    engine._ensure_system()
    config, model = engine.config, engine.model
    n = frame_entries(model)  # scaffold entries (e.g. SmolVLM2) belong to the frame's block
    memory = config.memory_size if config.memory_size is not None else frames
    kept = list(range(max(0, frames - memory), frames))
    recent = set(range(max(0, frames - config.recent_frames), frames)) if config.carrier else set()
    k = config.keep_topk
    blocks, total = [], 0
    for index in kept:
        if not config.carrier:
            block = FrameBlock(index, n, "full", carrier=False)
        elif index in recent:
            block = FrameBlock(
                index,
                n,
                "full",
                carrier=True,
                selected=[list(range(k))] * model.num_layers if k else None,
            )
        else:
            block = FrameBlock(
                index,
                n,
                "selected" if k else "none",
                carrier=True,
                selected=[list(range(k))] * model.num_layers if k else None,
            )
        blocks.append(block)
        total += block.size
    device = model.device  # drawn where the model runs (the CPU stream as before)
    generator = torch.Generator(device=device).manual_seed(frames)
    for layer in range(model.num_layers):
        shape = (1, model.num_kv_heads, total, model.head_dim)
        keys = torch.randn(shape, generator=generator, device=device).to(model.dtype)
        engine.cache.update(keys, keys.clone(), layer)
    book = getattr(engine, "positions", None)
    if book is not None:  # per-slot positions (rerotate): the cache's order, after the system
        book.append(model.text_positions(engine.layout.system, total))
    engine.layout.blocks = blocks
    for index in kept:
        embedding = torch.randn(model.hidden_size, generator=generator, device=device)
        engine.bank.append(BankEntry(index, float(index), float(index), embedding))
    engine.frames_seen = frames
    engine.last_timestamp = float(frames - 1) if frames else None
    per_frame = n + int(config.carrier)
    engine.positions_used = engine.layout.system + frames * per_frame


def emit(result: dict, as_json: bool, table: str) -> None:
    print(table)
    if as_json:
        print(json.dumps(result))
