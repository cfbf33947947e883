"""Memory and CPU figures for the resource plot: process RSS and CPU share (psutil, portable),
and CUDA memory when the model is on a GPU (``torch.mps`` memory on Apple GPUs)."""

from __future__ import annotations

import psutil

from videoscan_core.process_stats import current_rss_mb, peak_rss_mb

_process = psutil.Process()


def process_memory(device=None) -> dict:
    stats = {
        "rss_mb": current_rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
        "cpu_percent": _process.cpu_percent(interval=None),  # since the previous call
    }
    kind = getattr(device, "type", "")
    if kind == "cuda":
        import torch

        stats["cuda_allocated_mb"] = torch.cuda.memory_allocated(device) / 2**20
        stats["cuda_reserved_mb"] = torch.cuda.memory_reserved(device) / 2**20
    elif kind == "mps":
        import torch

        stats["mps_allocated_mb"] = torch.mps.current_allocated_memory() / 2**20
    return stats
