"""Downloads into the Hugging Face cache, with progress, cancel, time limits and clear errors.

Contract: ``download(id, on_progress, cancel)`` fetches a catalogued hub model (or speech model)
into the standard cache with ``huggingface_hub.snapshot_download`` (which checks each file's size
and hash, and resumes a file with a Range request when the network drops during the download),
after checking the free disk space; progress reports bytes, speed and time left
(``DownloadProgress``); setting ``cancel`` stops it (``DownloadCancelled``) within a tenth of a
second, even while a request hangs. Every hub request has time limits (``hub.timeouts``); the
first metadata request is retried once on a network error, and while no byte arrives for
``STALL_S`` seconds progress reports say so (``DownloadProgress.stalled_s``). A later call keeps
the files that were finished and fetches the rest (huggingface_hub 2.x restarts an interrupted
file from its first byte). Offline, downloads fail with a clear message (``DownloadError``) while
installed models keep working; hub failures are worded by ``problems.hub_problem``.
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

from ..errors import VideoScanError, first_line
from .catalogue import CATALOGUE, installed_path
from .offline import hub_offline
from .problems import hub_problem
from .timeouts import Abandoned, install_hub_timeouts, retrying, run_cancellable

GB = 1024**3
CANCELLED = "download cancelled; finished files are kept for the next attempt"
STALL_S = 5.0  # no byte for this long: progress reports say the download is stalled
log = logging.getLogger("videoscan")


class DownloadError(VideoScanError):
    """A download cannot start or failed (offline, no space, not found)."""


class DownloadCancelled(VideoScanError):
    """The user cancelled a download; finished files are kept for the next attempt."""


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
