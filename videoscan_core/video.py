"""Reading video files at a chosen frame rate (OpenCV).

Contract: ``probe_video(path)`` checks that a file is a readable video with at least one frame
and returns its ``VideoInfo``; ``sample_frames(path, fps)`` yields ``(timestamp_seconds, rgb)``
pairs, one per ``1/fps`` seconds of video: at each sampling time ``k/fps``, the frame on screen
then (``frame_shown_at``: the last whose time is <= it, the rule the app's file source follows
too), stamped with the sampling time and given once (sampling faster than the video skips),
RGB uint8 ``[H, W, 3]``, shrunk to ``limits.MAX_FRAME_PIXELS`` before the RGB copy. Both take
the video's bytes instead of a path too (decoded in memory: nothing touches the disk). Problems
raise ``VideoReadError`` with a message for people.

A file whose decoder stops before the container's frame count (truncated, or corrupt in the
middle: decoding ends at the first frame that cannot be read) is not an error, but it must not pass
silently: ``sample_frames(..., outcome=ReadOutcome())`` fills ``outcome`` as it reads, and
``outcome.stopped_early`` is then a one-line message naming the frame where reading stopped
(``short_read_message``), or None.

Every path handed to OpenCV goes through ``cv2_path``: OpenCV kills the process (SIGSEGV) on a
``str`` holding lone surrogates, which is how Python spells file-name bytes that are not UTF-8, so
such a name is refused with ``VideoReadError`` ("rename the file").
"""

from __future__ import annotations

import io
import itertools
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import VideoReadError
from .limits import MAX_FRAME_PIXELS


@dataclass(frozen=True)
class VideoInfo:
    path: str
    fps: float
    frame_count: int
    width: int
    height: int

    @property
    def duration(self) -> float:
        return self.frame_count / self.fps if self.fps > 0 else 0.0

    def expected_samples(self, fps: float) -> int:
        """Samples ``sample_frames`` yields at ``fps``: never more than the source's frames."""
        if not self.duration:
            return 0
        samples = max(1, math.ceil(self.duration * fps - 1e-9))
        return min(samples, self.frame_count) if self.frame_count > 0 else samples


@dataclass
class ReadOutcome:
    """What ``sample_frames`` read: frames decoded (grabbed) and the container's frame count."""

    frames_read: int = 0
    frame_count: int = 0
    fps: float = 0.0
    path: str = ""

    @property
    def stopped_early(self) -> str | None:
        return short_read_message(self.path, self.frames_read, self.frame_count, self.fps)


def short_read_message(path, frames_read: int, frame_count: int, fps: float) -> str | None:
    """A warning when decoding stopped clearly before the container's frame count, else None.
    A tolerance of 2% (at least 1 frame) allows for containers that count slightly off."""
    if frame_count <= 0 or frames_read >= frame_count - max(1, 0.02 * frame_count):
        return None
    where = ""
    if fps > 0:
        where = f" ({frames_read / fps:.1f} s of {frame_count / fps:.1f} s)"
    return (
        f"{Path(path).name}: the video stopped at frame {frames_read} of {frame_count}{where}; "
        "the file is truncated or damaged there, and the rest was not read"
    )


def import_cv2():
    """Import OpenCV with FFmpeg's own console messages silenced (our errors say it better)."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")  # no "[ WARN ]" lines next to ours
    import cv2

    return cv2


def shrink_frame(frame: np.ndarray, limit: int = MAX_FRAME_PIXELS) -> np.ndarray:
    """``frame`` [H, W, C] shrunk (area resampling) to at most ``limit`` pixels; the same array
    when it is already small enough."""
    height, width = frame.shape[:2]
    if height * width <= limit:
        return frame
    cv2 = import_cv2()
    scale = (limit / (height * width)) ** 0.5
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)


def cv2_path(path: str | Path) -> str:
    """``path`` as a ``str`` OpenCV can take; ``VideoReadError`` for a name that is not text."""
    text = str(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = text.encode("utf-8", "backslashreplace").decode("ascii", "replace")
        raise VideoReadError(
            f"{shown}: the file name has bytes that are not UTF-8 text, which the video decoder "
            "cannot open; rename the file"
        ) from None
    return text


def _open(source: str | Path | bytes):
    """An open ``cv2.VideoCapture``, the name used in messages, and the reader of ``bytes``
    (decoded from memory: nothing is written to disk). OpenCV keeps no reference to that reader:
    the caller must hold it until the capture is released (a collected reader is a segfault)."""
    cv2 = import_cv2()
    if isinstance(source, bytes | bytearray):
        if not source:
            raise VideoReadError("the video is empty (0 bytes)")
        stream = io.BytesIO(source)
        capture = cv2.VideoCapture(stream, cv2.CAP_FFMPEG, [])
        if not capture.isOpened():
            capture.release()
            raise VideoReadError("the video is not in a format OpenCV can decode")
        return capture, "the video", stream
    file = Path(source).expanduser()
    if not file.exists():
        raise VideoReadError(f"video file {file} does not exist")
    if not file.is_file():
        raise VideoReadError(f"{file} is not a file")
    try:
        with open(file, "rb"):
            pass
    except OSError as error:
        raise VideoReadError(f"cannot read {file}: {error.strerror or error}") from None
    if file.stat().st_size == 0:
        raise VideoReadError(f"video file {file} is empty (0 bytes)")
    capture = cv2.VideoCapture(cv2_path(file))
    if not capture.isOpened():
        capture.release()
        raise VideoReadError(f"cannot read {file}: not a video format OpenCV can decode")
    return capture, file, None


def probe_video(source: str | Path | bytes) -> VideoInfo:
    cv2 = import_cv2()
    capture, file, stream = _open(source)  # ``stream`` stays referenced until the release
    try:
        ok, frame = capture.read()
        if not ok or frame is None:
            raise VideoReadError(f"{file} contains no frames")
        fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        height, width = frame.shape[:2]
        return VideoInfo(str(file), float(fps) if math.isfinite(fps) else 0.0, count, width, height)
    finally:
        capture.release()


def frame_shown_at(timestamp: float, fps: float) -> int:
    """The index of the frame on screen at ``timestamp`` in a video of ``fps`` frames/s: the
    last frame whose time is <= ``timestamp`` (the one rule of every reader of a video file)."""
    return math.floor(timestamp * fps + 1e-6)


def sample_frames(
    path: str | Path | bytes, fps: float = 1.0, outcome: ReadOutcome | None = None
) -> Iterator[tuple[float, np.ndarray]]:
    cv2 = import_cv2()
    if not (fps > 0 and math.isfinite(fps)):
        raise ValueError(f"fps must be a finite number > 0 (got {fps})")
    capture, file, stream = _open(path)  # ``stream`` stays referenced until the release
    source_fps = capture.get(cv2.CAP_PROP_FPS) or 0.0
    if not math.isfinite(source_fps) or source_fps <= 0:
        source_fps = 30.0
    count = capture.get(cv2.CAP_PROP_FRAME_COUNT) or 0
    outcome = outcome if outcome is not None else ReadOutcome()
    outcome.path, outcome.fps = str(file), source_fps
    outcome.frame_count = int(count) if math.isfinite(count) and count > 0 else 0
    index = 0  # frames grabbed so far
    emitted = 0
    try:
        for sample in itertools.count():
            timestamp = sample / fps
            target = frame_shown_at(timestamp, source_fps)
            if target < index:
                continue  # sampling faster than the video: that frame was given already
            while index <= target and capture.grab():
                index += 1
            outcome.frames_read = index
            if index <= target:
                break  # the video ended
            ok, frame = capture.retrieve()
            if not ok or frame is None:
                continue
            emitted += 1
            yield timestamp, cv2.cvtColor(shrink_frame(frame), cv2.COLOR_BGR2RGB)
    finally:
        capture.release()
    if emitted == 0:
        raise VideoReadError(f"{file} contains no frames")
