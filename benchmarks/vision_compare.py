"""The vision runtime against PyTorch float32 eager, side by side in one process.

``compare(model, frame, repeats)`` times the family's own PyTorch ``encode`` and the attached
runtime's ``encode`` on the same pixels, alternately (so both see the same machine state), and
reports medians of wall and process CPU time, ``vision_speedup`` (PyTorch wall / runtime wall),
``vision_cpu_speedup`` (the same in CPU time) and ``vision_rel_error`` (relative L2 error of the
runtime's tokens ``[1, N, D]`` against PyTorch's). With the PyTorch runtime both sides are the
same code, so the speedup is ~1 and the error 0 (a control).
"""

from __future__ import annotations

import time

import torch

from videoscan_core.adapters.vision_runtime import VisionRuntime, relative_error

from . import common


def _timed(function) -> tuple[float, float, torch.Tensor]:
    wall, cpu = time.perf_counter(), time.process_time()
    tokens = function()
    return time.perf_counter() - wall, time.process_time() - cpu, tokens


def compare(model, frame, repeats: int) -> dict:
    """Interleaved repeats (after one warm-up each) of PyTorch f32 and the runtime's encode."""
    runtime: VisionRuntime | None = getattr(model, "vision_runtime", None)
    pixels = model.preprocess([frame])  # [1, 3, S, S]
    torch_walls, torch_cpus, run_walls, run_cpus = [], [], [], []
    with torch.inference_mode():
        for index in range(repeats + 1):
            wall, cpu, reference = _timed(lambda: _torch_tokens(model, runtime, pixels))
            if index:
                torch_walls.append(wall)
                torch_cpus.append(cpu)
            wall, cpu, tokens = _timed(lambda: model.encode(pixels).tokens)
            if index:
                run_walls.append(wall)
                run_cpus.append(cpu)
    torch_wall, run_wall = common.median(torch_walls), common.median(run_walls)
    return {
        "vision_runtime": runtime.active if runtime is not None else "torch-f32",
        "vision_runtime_reason": runtime.choice.reason if runtime is not None else "",
        "vision_startup_s": round(runtime.startup_s, 2) if runtime and runtime.startup_s else None,
        "vision_torch_ms": round(torch_wall * 1000, 1),
        "vision_runtime_ms": round(run_wall * 1000, 1),
        "vision_torch_cpu_ms": round(common.median(torch_cpus) * 1000, 1),
        "vision_runtime_cpu_ms": round(common.median(run_cpus) * 1000, 1),
        "vision_speedup": round(torch_wall / run_wall, 3),
        "vision_cpu_speedup": round(common.median(torch_cpus) / common.median(run_cpus), 3),
        "vision_rel_error": float(f"{relative_error(tokens, reference):.3e}"),
        "vision_repeats": repeats,
    }


def _torch_tokens(model, runtime, pixels) -> torch.Tensor:
    if runtime is None:
        return model.encode_frames(pixels)
    return runtime.torch_encode(pixels).tokens
