"""Frames of one benchmark item: sampling schedules, clip bounds and frame folders.

Contract:
- ``official_step(duration)`` is the seconds between frames of the official streaming path:
  LyliAgave/VideoScan @ 2c0f728, ``llava/video_streamer.py:stream_generate_inf`` samples 1 fps
  up to 300 s, then one frame per 2 s (> 300 s), 3 s (> 600 s), 4 s (> 900 s), 5 s (> 1280 s).
- ``item_frames(item, sampling, fps, outcome)`` yields ``(seconds, rgb [H, W, 3] uint8)`` for the
  item's video at the schedule (``"official"`` or ``"fps"`` = every ``1/fps`` s), inside the
  item's ``start``/``end`` bounds (timestamps re-based to the clip's start); a folder of images
  is read as a video at ``FRAME_FOLDER_FPS``. ``outcome`` (``video.ReadOutcome``) tells whether
  the decoder stopped early. ``video_length(item)`` is the clip's length in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..errors import VideoReadError
from ..video import ReadOutcome, cv2_path, import_cv2, probe_video, sample_frames
from .formats import QAItem

FRAME_FOLDER_FPS = 3.0  # MVBench's frame-folder tasks (its data loader reads them at 3 fps)
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp")
SAMPLINGS = ("official", "fps")


def official_step(duration: float) -> float:
    for limit, step in ((1280.0, 5.0), (900.0, 4.0), (600.0, 3.0), (300.0, 2.0)):
        if duration > limit:
            return step
    return 1.0


def _images(folder: Path) -> list[Path]:
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise VideoReadError(f"{folder} is a folder without images")
    return images


def video_length(item: QAItem) -> float:
    """The length of the item's video (or clip) in seconds."""
    if item.video.is_dir():
        full = len(_images(item.video)) / FRAME_FOLDER_FPS
    else:
        full = probe_video(item.video).duration
    start = item.start or 0.0
    end = min(item.end, full) if item.end is not None and full else (item.end or full)
    return max(0.0, end - start)


def _folder_frames(folder: Path, fps: float, outcome: ReadOutcome) -> Iterator[tuple]:
    cv2 = import_cv2()
    images = _images(folder)
    outcome.path, outcome.fps, outcome.frame_count = str(folder), FRAME_FOLDER_FPS, len(images)
    next_time = 0.0
    for index, image in enumerate(images):
        timestamp = index / FRAME_FOLDER_FPS
        frame = cv2.imread(cv2_path(image))
        if frame is None:
            return  # stopped early: outcome.frames_read says where
        outcome.frames_read = index + 1
        if timestamp + 1e-6 < next_time:
            continue
        next_time += 1.0 / fps
        while next_time <= timestamp:
            next_time += 1.0 / fps
        yield timestamp, cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)


def item_frames(
    item: QAItem, sampling: str = "official", fps: float = 1.0, outcome: ReadOutcome | None = None
) -> Iterator[tuple[float, np.ndarray]]:
    if sampling not in SAMPLINGS:
        raise ValueError(f"sampling must be one of {SAMPLINGS} (got {sampling!r})")
    outcome = outcome if outcome is not None else ReadOutcome()
    if sampling == "official":
        fps = 1.0 / official_step(video_length(item))
    if item.video.is_dir():
        frames = _folder_frames(item.video, fps, outcome)
    else:
        frames = sample_frames(item.video, fps, outcome)
    start, end = item.start or 0.0, item.end
    emitted = 0
    for timestamp, frame in frames:
        if timestamp + 1e-6 < start:
            continue
        if end is not None and timestamp > end + 1e-6:
            break
        emitted += 1
        yield timestamp - start, frame
    if emitted == 0:
        raise VideoReadError(f"{item.video} has no frames between {start:.1f} s and {end} s")
