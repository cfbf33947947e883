"""Chat messages -> a question, earlier turns and an optional video, and the video -> frames.

Contract: ``parse_messages(messages, hints, allow_files)`` reads OpenAI-style messages and returns
a ``ParsedChat``: the last user message's text is the question, earlier user/assistant pairs are
``history``, the last system message is ``system``, and the newest video in a user message is
``video``. Video content parts accepted: ``{"type": "video_url", "video_url": {"url": U}}`` (the
vLLM/SGLang form), a list of ``{"type": "image_url", "image_url": {"url": U}}`` frames, and
llama.cpp's ``{"type": "input_video", "input_video": {"data": BASE64, "format": "mp4"}}`` (or
``{"url": U}``). ``U`` is ``data:<mime>;base64,...`` or, only when ``allow_files``, ``file://``;
remote URLs are refused (nothing is downloaded). Sampling hints ``fps`` / ``num_frames`` are read
from the part, its ``video_url`` object, ``mm_processor_kwargs`` or the request's top level.
``iter_samples(video)`` decodes to ``(timestamp, rgb uint8 [H, W, 3])`` pairs, in memory (a
``data:`` video never touches the disk), within the request caps of ``limits`` (frames, pixels:
an image or video too large is refused from its header). A ``file://`` that is missing, a folder
or undecodable gets the same words. Every problem raises ``APIError(400)`` with a message for the
caller that names no server path other than the one the caller gave.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np

from ..errors import VideoScanError
from ..limits import MAX_REQUEST_FRAMES, check_pixels
from ..video import ReadOutcome, shrink_frame
from .protocol import APIError, bad_request

# input_video.format values accepted (the data is decoded in memory whatever its format)
MAX_IMAGE_FILE_BYTES = 64 * 1024 * 1024
VIDEO_FORMATS = ("mp4", "m4v", "mov", "webm", "mkv", "avi", "mpeg", "mpg", "ogv", "3gp", "ts")


@dataclass
class VideoInput:
    kind: str  # "file" (path), "bytes" (data, decoded in memory) or "frames" (images: bytes each)
    path: Path | None = None
    data: bytes = b""
    images: list[bytes] = field(default_factory=list)
    fps: float | None = None
    num_frames: int | None = None


@dataclass
class ParsedChat:
    question: str
    history: list[tuple[str, str]] = field(default_factory=list)
    system: str | None = None
    video: VideoInput | None = None


def parse_messages(messages, hints: dict, allow_files: bool) -> ParsedChat:
    if not isinstance(messages, list) or not messages:
        raise bad_request("messages must be a non-empty list", "messages")
    turns: list[tuple[str, str]] = []
    system, video = None, None
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in (
            "system", "developer", "user", "assistant", "tool",
        ):  # fmt: skip
            raise bad_request("each message needs a role and content", "messages")
        text, found = _content(message.get("content"), hints, allow_files)
        if message["role"] in ("system", "developer"):
            system = text
        elif message["role"] in ("user", "assistant"):
            turns.append((message["role"], text))
            if found is not None and message["role"] == "user":
                video = found
    if not turns or turns[-1][0] != "user" or not turns[-1][1].strip():
        raise bad_request("the last message must be a user message with a question", "messages")
    history, pending = [], None
    for role, text in turns[:-1]:
        if role == "user":
            pending = text
        elif pending is not None:
            history.append((pending, text))
            pending = None
    return ParsedChat(turns[-1][1].strip(), history, system, video)


def _content(content, hints: dict, allow_files: bool) -> tuple[str, VideoInput | None]:
    if content is None:
        return "", None
    if isinstance(content, str):
        return content, None
    if not isinstance(content, list):
        raise bad_request("content must be a string or a list of parts", "messages")
    texts, images, video = [], [], None
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            texts.append(str(part.get("text", "")))
        elif kind == "video_url":
            spec = _object(part, "video_url")
            video = _video(spec.get("url"), allow_files)
            _hints(video, hints, part, spec)
        elif kind == "input_video":
            spec = _object(part, "input_video")
            if spec.get("data"):
                _check_format(spec)
                video = VideoInput("bytes", data=_b64(spec["data"]))
            else:
                video = _video(spec.get("url"), allow_files)
            _hints(video, hints, part, spec)
        elif kind == "image_url":
            images.append(_image(_object(part, "image_url").get("url"), allow_files))
        else:
            raise bad_request(f"unsupported content part type {kind!r}", "messages")
    if images and video is None:
        video = VideoInput("frames", images=images)
        _hints(video, hints, *[p for p in content if p.get("type") == "image_url"][:1])
    return " ".join(t for t in texts if t), video


def _object(part: dict, key: str) -> dict:
    value = part.get(key)
    if isinstance(value, str):
        return {"url": value}
    if not isinstance(value, dict):
        raise bad_request(f"{key} must be an object with a url", "messages")
    return value


def _hints(video: VideoInput, hints: dict, *places: dict) -> None:
    for place in (hints, *places):
        if "fps" in place:
            fps = place["fps"]
            if isinstance(fps, bool) or not isinstance(fps, int | float) or not 0 < fps <= 60:
                raise bad_request("fps must be a number in (0, 60]", "fps")
            video.fps = float(fps)
        if "num_frames" in place:
            count = place["num_frames"]
            limit = MAX_REQUEST_FRAMES
            if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= limit:
                raise bad_request(f"num_frames must be an integer in [1, {limit}]", "num_frames")
            video.num_frames = count


def _check_format(spec: dict) -> None:
    fmt = spec.get("format") or "mp4"
    if not isinstance(fmt, str) or fmt.lower() not in VIDEO_FORMATS:
        known = ", ".join(VIDEO_FORMATS)
        raise bad_request(f"input_video.format must be one of {known}", "messages")


def _b64(text) -> bytes:
    if not isinstance(text, str):
        raise bad_request("base64 data must be a string", "messages")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request("the base64 data cannot be decoded", "messages") from None


def _split_data_url(url: str) -> tuple[str, bytes]:
    header, _, payload = url.partition(",")
    if not header.endswith(";base64"):
        raise bad_request("data URLs must be base64 encoded", "messages")
    return header[5:-7].lower(), _b64(payload)


def _file(url: str, allow_files: bool) -> Path:
    """The path of a ``file://`` URL; whether it exists is not said here (a missing file reads
    the same as one that cannot be decoded: a request cannot probe the file system)."""
    if not allow_files:
        raise bad_request("file:// URLs are accepted only on a loopback server", "messages")
    return Path(unquote(urlparse(url).path))


def _video(url, allow_files: bool) -> VideoInput:
    if not isinstance(url, str) or not url:
        raise bad_request("a video part needs a url", "messages")
    if url.startswith("data:"):
        return VideoInput("bytes", data=_split_data_url(url)[1])
    if url.startswith("file://"):
        return VideoInput("file", path=_file(url, allow_files))
    raise bad_request("only data: and file:// video URLs are accepted (nothing is downloaded)")


def _image(url, allow_files: bool) -> bytes:
    if not isinstance(url, str) or not url:
        raise bad_request("an image part needs a url", "messages")
    if url.startswith("data:"):
        return _split_data_url(url)[1]
    if url.startswith("file://"):
        path = _file(url, allow_files)
        try:  # an image file no larger than a request body may be: never a whole disk
            if path.is_file() and path.stat().st_size <= MAX_IMAGE_FILE_BYTES:
                return path.read_bytes()
        except OSError:
            pass
        raise bad_request(f"{path} cannot be read as an image", "messages")
    raise bad_request("only data: and file:// image URLs are accepted (nothing is downloaded)")


# -- decoding --------------------------------------------------------------------------------
def iter_samples(
    video: VideoInput, default_fps: float = 1.0, outcome: ReadOutcome | None = None
) -> Iterator[tuple[float, np.ndarray]]:
    """The video's frames as ``(timestamp, rgb)`` pairs, read lazily, honouring ``fps`` /
    ``num_frames``; at most ``MAX_REQUEST_FRAMES``. ``outcome`` (a ``ReadOutcome``) says
    afterwards whether the decoder stopped early."""
    if video.kind == "frames":
        yield from _image_samples(video, default_fps)
    elif video.kind == "file":
        try:
            yield from _video_samples(video.path, video, default_fps, outcome)
        except APIError:  # the same words whatever the reason: no probing of the file system
            raise bad_request(f"{video.path} cannot be read as a video", "messages") from None
    else:
        yield from _video_samples(video.data, video, default_fps, outcome)


def _video_samples(source, video: VideoInput, default_fps: float, outcome: ReadOutcome | None):
    from ..video import probe_video, sample_frames

    try:
        info = probe_video(source)
        check_pixels(info.width, info.height, "the video")
        fps = video.fps or default_fps
        if video.num_frames and info.duration > 0:
            fps = max(video.num_frames / info.duration, 1e-3)
        limit = video.num_frames or MAX_REQUEST_FRAMES
        for count, sample in enumerate(sample_frames(source, fps, outcome), 1):
            yield sample
            if count >= limit:
                break
    except VideoScanError as error:
        raise bad_request(f"the video cannot be read: {error}", "messages") from None


def _image_samples(video: VideoInput, default_fps: float):
    from ..video import import_cv2

    cv2 = import_cv2()
    chosen = video.images
    if video.num_frames and video.num_frames < len(chosen):
        picks = np.linspace(0, len(chosen) - 1, video.num_frames).round().astype(int)
        chosen = [chosen[i] for i in picks]
    if len(chosen) > MAX_REQUEST_FRAMES:
        raise bad_request(f"at most {MAX_REQUEST_FRAMES} frames per request", "messages")
    fps = video.fps or default_fps
    for index, data in enumerate(chosen):
        _check_image_size(data, index)
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise bad_request(f"image {index + 1} cannot be decoded", "messages")
        yield index / fps, cv2.cvtColor(shrink_frame(image), cv2.COLOR_BGR2RGB)


def _check_image_size(data: bytes, index: int) -> None:
    """Refuse an image too large to decode, from its header alone."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except Image.DecompressionBombError:  # Pillow's own cap, above ours
        width = height = 2**31 - 1
    except (UnidentifiedImageError, OSError, ValueError):
        raise bad_request(f"image {index + 1} cannot be decoded", "messages") from None
    try:
        check_pixels(width, height, f"image {index + 1}")
    except VideoScanError as error:
        raise bad_request(str(error), "messages") from None
