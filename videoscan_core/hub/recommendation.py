"""Which catalogued model suits this machine, and what to expect from it.

Contract: ``recommend(hardware)`` (``hardware.detect_hardware()``) returns the best vision entry of
``catalogue.CATALOGUE`` and one paragraph for people: on a GPU, the newest generation that fits
its free memory (then the largest), with the dtype to run it in (``recommended_dtype``); without
one, the largest CPU-class model that fits the RAM, with its measured speed (``speed.py``), or the
demo model when nothing fits.
"""

from __future__ import annotations

from ..adapters.families import family
from . import speed
from .catalogue import CATALOGUE, CatalogueEntry
from .hardware import Hardware

# On a GPU the newest generation that fits wins (adapters/families.py), then the largest.
GPU_HEADROOM_GB = 2.0  # left free for the app, the desktop and other programs


def recommended_dtype(hardware: Hardware) -> str:
    """bfloat16 where the GPU computes in it (or when unknown), float16 on older GPUs."""
    return "float16" if hardware.gpu_bf16 is False else "bfloat16"


def recommend(hardware: Hardware) -> tuple[CatalogueEntry, str]:
    """The best vision model for this machine, and what to expect from it (on a GPU: sized to
    its free memory when known, with the dtype to run it in)."""
    vision = [item for item in CATALOGUE if item.kind == "vision" and not item.bundled]
    if hardware.gpu_memory_gb:
        budget = hardware.gpu_free_gb or hardware.gpu_memory_gb
        fitting = [item for item in vision if item.gpu_vram_gb + GPU_HEADROOM_GB <= budget]
        if fitting:
            best = max(
                fitting,
                key=lambda item: (family(item.family).generation, item.gpu_vram_gb),
            )
            dtype = recommended_dtype(hardware)
            free = "free" if hardware.gpu_free_gb else "in all"
            older = "; this GPU has no bfloat16" if dtype == "float16" else ""
            return best, (
                f"{hardware.gpu_name} ({budget:.0f} GB {free}): {best.title} fits in {dtype} "
                f"(about {best.gpu_vram_gb:.0f} GB{older}) and can keep up with 1 frame per "
                f"second; run it with --device cuda --dtype {dtype}."
            )
    return _recommend_for_cpu(hardware, vision)


def _recommend_for_cpu(
    hardware: Hardware, vision: list[CatalogueEntry]
) -> tuple[CatalogueEntry, str]:
    """No usable GPU: the largest CPU-class model (SmolVLM2) that fits RAM, with 4+ cores for
    the 500M one."""
    cpu = sorted(
        (item for item in vision if item.speed_class == "cpu"), key=lambda item: item.cpu_ram_gb
    )
    fitting = [item for item in cpu if hardware.ram_gb >= item.cpu_ram_gb + 2]
    if len(fitting) > 1 and hardware.cpu_count < 4:
        fitting = fitting[:1]  # the smallest keeps up best on few cores
    if not fitting:
        smallest = cpu[0] if cpu else vision[0]
        return CATALOGUE[0], (
            f"Only {hardware.ram_gb:.0f} GB of RAM: keep the demo model; real models need "
            f"about {smallest.cpu_ram_gb + 2:.0f} GB."
        )
    best = fitting[-1]
    measured = speed.describe(best.id)
    measured = f" at {measured}" if measured else ""
    first = speed.first_start(best.id)
    first = f" {first[0].upper()}{first[1:]}." if first else ""
    return best, (
        f"No suitable GPU: {best.title} runs on the CPU{measured}. This machine has "
        f"{hardware.cpu_count} cores; newer frames win when it falls behind.{first}"
    )
