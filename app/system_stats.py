"""Memory figures for the resource plot: process RSS, and CUDA memory when the model is on a GPU."""

from __future__ import annotations

from videoscan_core.resources import current_rss_mb, peak_rss_mb


def process_memory(device=None) -> dict:
    stats = {"rss_mb": current_rss_mb(), "peak_rss_mb": peak_rss_mb()}
    if device is not None and getattr(device, "type", "") == "cuda":
        import torch

        stats["cuda_allocated_mb"] = torch.cuda.memory_allocated(device) / 2**20
        stats["cuda_reserved_mb"] = torch.cuda.memory_reserved(device) / 2**20
    return stats
