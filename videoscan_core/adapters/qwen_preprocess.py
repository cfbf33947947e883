"""Qwen2.5-VL / Qwen3-VL frame preprocessing without torchvision, as their video processors do it.

Contract: ``QwenFrameProcessor(...)(frame)`` takes one RGB uint8 frame ``[H, W, 3]`` (or a PIL
image) and returns a ``QwenFrame``: ``pixels`` float32 ``[gh*gw, C*2*P*P]`` and
``grid_thw = (1, gh, gw)`` in patches, i.e. one temporal patch made of the frame and its copy,
exactly what transformers' ``Qwen2VLVideoProcessor`` / ``Qwen3VLVideoProcessor`` produce for a clip
of that frame twice (Qwen3-VL's resize refuses a 1-frame clip; both pad odd clips by repeating
the last frame, so the pair is what a single frame becomes). Steps, as in 5.23:

1. ``smart_resize`` to a multiple of ``factor = patch * merge`` (28 for Qwen2.5-VL, 32 for Qwen3-VL)
   inside the pixel budget. Qwen2.5-VL budgets each frame (``min_pixels``/``max_pixels``);
   Qwen3-VL budgets the clip (``t_bar * h * w``, t_bar = 2 here) and first scales frames shorter
   than ``factor`` up. A frame under the minimum is resized up, never refused. The hub files set
   the image budget (a 1080p frame stays native: 2,691 / 2,040 tokens); by default a frame is
   capped at the video references' 768 tokens (``frame_tokens``; 1080p: 20 x 36 = 720 tokens).
2. Bicubic resize with antialiasing on the uint8 frame. The processors call torchvision's
   ``resize(uint8, BICUBIC, antialias=True)``, which on CPU is torch's native uint8
   ``interpolate(mode="bicubic", antialias=True)``: the same call is made here, so the result is
   identical on CPU (PIL's BICUBIC differs by at most one grey level).
3. Rescale by 1/255 and normalise (CLIP mean/std for Qwen2.5-VL, 0.5/0.5 for Qwen3-VL).
4. Patchify: rows ordered (t, h/merge, w/merge, merge, merge), each row (C, T=2, P, P).

``QwenFrameProcessor.from_folder(folder, family)`` reads the budget, patch sizes and statistics
from the checkpoint's processor files, in the order transformers reads them for video
(``processor_config.json["video_processor"]``, ``video_preprocessor_config.json``,
``preprocessor_config.json``); a checkpoint without any names the file it needs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..errors import ModelLoadError
from ..limits import VIDEO_FRAME_TOKENS
from .preprocess import rgb_array

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
HALF = (0.5, 0.5, 0.5)
MAX_ASPECT = 200


def smart_resize_frame(
    height: int, width: int, factor: int, min_pixels: int, max_pixels: int
) -> tuple[int, int]:
    """Qwen2-VL / Qwen2.5-VL ``smart_resize``: per-frame budget, sides multiples of ``factor``."""
    _check_aspect(height, width)
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def smart_resize_clip(
    num_frames: int,
    height: int,
    width: int,
    factor: int,
    min_pixels: int,
    max_pixels: int,
    temporal_factor: int = 2,
) -> tuple[int, int]:
    """Qwen3-VL's video ``smart_resize``: the budget covers ``t_bar * h * w`` of the clip."""
    if num_frames < temporal_factor:
        raise ValueError(f"a clip needs at least {temporal_factor} frames (got {num_frames})")
    if height < factor or width < factor:
        scale = max(factor / height, factor / width)
        height, width = int(height * scale), int(width * scale)
    _check_aspect(height, width)
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    t_bar = round(num_frames / temporal_factor) * temporal_factor
    if t_bar * h_bar * w_bar > max_pixels:
        beta = math.sqrt((num_frames * height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif t_bar * h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (num_frames * height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def _check_aspect(height: int, width: int) -> None:
    if min(height, width) <= 0 or max(height, width) / min(height, width) > MAX_ASPECT:
        raise ValueError(
            f"a {width}x{height} frame is too elongated for Qwen-VL "
            f"(aspect ratio over {MAX_ASPECT})"
        )


@dataclass(frozen=True)
class QwenFrame:
    pixels: np.ndarray  # [gh*gw, C*T*P*P] float32
    grid_thw: tuple[int, int, int]  # (1, gh, gw) in patches

    @property
    def tokens(self) -> int:
        """Visual tokens in the language model (merge 2x2)."""
        return self.grid_thw[0] * self.grid_thw[1] * self.grid_thw[2] // 4


@dataclass(frozen=True)
class QwenFrameProcessor:
    patch_size: int
    min_pixels: int
    max_pixels: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    clip_budget: bool  # True: Qwen3-VL (budget over the 2-frame clip); False: per frame
    merge_size: int = 2
    temporal_patch_size: int = 2
    rescale_factor: float = 1 / 255
    # the video budget: at most this many language-model tokens per frame (None: the
    # checkpoint's pixel budget alone, which its hub files set for images)
    frame_tokens: int | None = VIDEO_FRAME_TOKENS

    @property
    def factor(self) -> int:
        return self.patch_size * self.merge_size

    def pixel_budget(self) -> int:
        """Largest pixel count of the resize: the checkpoint's, capped per frame at
        ``frame_tokens`` as the video processors cap it (Qwen2.5-VL: ``frame_tokens * 28^2`` per
        frame; Qwen3-VL's ``cap_pixels_per_frame``: per frame of the 2-frame clip, at least
        1.05 x the minimum)."""
        if not self.frame_tokens:
            return self.max_pixels
        cap = self.frame_tokens * self.factor**2
        if not self.clip_budget:
            return min(self.max_pixels, cap)
        t = self.temporal_patch_size
        return max(min(cap, self.max_pixels // t), int(self.min_pixels * 1.05)) * t

    def target_size(self, height: int, width: int) -> tuple[int, int]:
        """(height, width) a ``height x width`` frame is resized to."""
        budget = self.pixel_budget()
        if self.clip_budget:
            t = self.temporal_patch_size
            return smart_resize_clip(t, height, width, self.factor, self.min_pixels, budget, t)
        return smart_resize_frame(height, width, self.factor, self.min_pixels, budget)

    def resize(self, frame: np.ndarray | Image.Image) -> np.ndarray:
        """uint8 ``[3, H', W']``: the frame resized to its budgeted size (bicubic, antialiased)."""
        array = rgb_array(frame)  # [H, W, 3] uint8
        height, width = array.shape[:2]
        size = self.target_size(height, width)
        tensor = torch.from_numpy(np.ascontiguousarray(array.transpose(2, 0, 1)))[None]
        if size != (height, width):
            tensor = torch.nn.functional.interpolate(
                tensor, size=size, mode="bicubic", antialias=True, align_corners=False
            )
        return tensor[0].numpy()

    def normalise(self, resized: np.ndarray) -> np.ndarray:
        """uint8 ``[3, H', W']`` -> float32, rescaled and normalised per channel."""
        pixels = resized.astype(np.float32) * np.float32(self.rescale_factor)
        mean = np.asarray(self.mean, np.float32)[:, None, None]
        std = np.asarray(self.std, np.float32)[:, None, None]
        return (pixels - mean) / std

    def patchify(self, image: np.ndarray) -> QwenFrame:
        """float ``[C, H', W']`` -> rows ``[gh*gw, C*T*P*P]`` of one frame repeated T times."""
        channels, height, width = image.shape
        p, m, t = self.patch_size, self.merge_size, self.temporal_patch_size
        gh, gw = height // p, width // p
        patches = image.reshape(channels, gh // m, m, p, gw // m, m, p)
        patches = patches.transpose(1, 4, 2, 5, 0, 3, 6)  # (gh/m, gw/m, m, m, C, P, P)
        patches = np.broadcast_to(patches[:, :, :, :, :, None], (*patches.shape[:5], t, p, p))
        rows = np.ascontiguousarray(patches).reshape(gh * gw, channels * t * p * p)
        return QwenFrame(rows, (1, gh, gw))

    def __call__(self, frame: np.ndarray | Image.Image) -> QwenFrame:
        return self.patchify(self.normalise(self.resize(frame)))

    # -- checkpoints ---------------------------------------------------------------------------
    @classmethod
    def for_family(
        cls, family: str, data: dict | None = None, frame_tokens: int | None = VIDEO_FRAME_TOKENS
    ) -> QwenFrameProcessor:
        """Defaults of ``family`` ("qwen2.5-vl" or "qwen3-vl"), overridden by processor JSON;
        ``frame_tokens`` caps a frame's tokens (None: the processor's pixel budget alone)."""
        data = data or {}
        qwen3 = family == "qwen3-vl"
        size = data.get("size") or {}
        if qwen3:  # hub video_preprocessor_config.json of Qwen3-VL
            min_pixels, max_pixels = 4096, 25165824
        else:  # hub preprocessor_config.json of Qwen2.5-VL
            min_pixels, max_pixels = 3136, 12845056
        min_pixels = int(data.get("min_pixels") or size.get("shortest_edge") or min_pixels)
        max_pixels = int(data.get("max_pixels") or size.get("longest_edge") or max_pixels)
        default_stats = (HALF, HALF) if qwen3 else (CLIP_MEAN, CLIP_STD)
        mean = tuple(float(v) for v in _triple(data.get("image_mean"), default_stats[0]))
        std = tuple(float(v) for v in _triple(data.get("image_std"), default_stats[1]))
        return cls(
            patch_size=int(data.get("patch_size") or (16 if qwen3 else 14)),
            merge_size=int(data.get("merge_size") or 2),
            temporal_patch_size=int(data.get("temporal_patch_size") or 2),
            min_pixels=min_pixels,
            max_pixels=max_pixels,
            mean=mean,
            std=std,
            clip_budget=qwen3,
            rescale_factor=float(data.get("rescale_factor") or 1 / 255),
            frame_tokens=frame_tokens or None,
        )

    @classmethod
    def from_folder(
        cls, folder: str | Path, family: str, frame_tokens: int | None = VIDEO_FRAME_TOKENS
    ) -> QwenFrameProcessor:
        return cls.for_family(family, read_video_processor_json(Path(folder)), frame_tokens)


def read_image_processor_json(folder: Path) -> dict:
    """The image processor settings of a checkpoint (its video ones when it has no image file)."""
    found = _processor_json(folder, "image_processor", ("preprocessor_config.json",))
    return found if found is not None else read_video_processor_json(folder)


def read_video_processor_json(folder: Path) -> dict:
    """The video processor settings of a checkpoint, in transformers' load order."""
    names = ("video_preprocessor_config.json", "preprocessor_config.json")
    found = _processor_json(folder, "video_processor", names)
    if found is not None:
        return found
    raise ModelLoadError(
        f"{folder} has no preprocessor_config.json (nor video_preprocessor_config.json): "
        "the Qwen-VL frame size and normalisation come from it; copy it from the model's hub page"
    )


def _processor_json(folder: Path, key: str, names: tuple[str, ...]) -> dict | None:
    """``processor_config.json[key]``, else the first of ``names`` that exists, else None."""
    combined = folder / "processor_config.json"
    if combined.is_file():
        data = _read_json(combined)
        if isinstance(data.get(key), dict):
            return data[key]
    for name in names:
        if (folder / name).is_file():
            return _read_json(folder / name)
    return None


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ModelLoadError(f"cannot read {path}: {error}") from None


def _triple(value, default) -> tuple:
    if value is None:
        return tuple(default)
    if isinstance(value, (int, float)):
        return (value,) * 3
    return tuple(value)
