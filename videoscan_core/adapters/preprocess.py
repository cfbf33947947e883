"""Frame preprocessing for the vision tower, without torchvision.

Contract: ``FramePreprocessor(size, mean, std)(frame)`` takes an RGB uint8 array ``[H, W, 3]`` (or a
PIL image) and returns a float32 array ``[3, size, size]``: resized with bicubic filtering to the
tower's square input (the SigLIP processor squashes, it does not crop), scaled to [0, 1] and
normalised per channel. Values match the Hugging Face SigLIP image processor's defaults;
``from_folder`` reads mean, std and the resampling filter (``resample``, PIL numbering: 1 LANCZOS
for SmolVLM2, 3 BICUBIC for SigLIP) from a checkpoint's ``preprocessor_config.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

SIGLIP_MEAN = (0.5, 0.5, 0.5)
SIGLIP_STD = (0.5, 0.5, 0.5)


@dataclass(frozen=True)
class FramePreprocessor:
    size: int
    mean: tuple[float, float, float] = SIGLIP_MEAN
    std: tuple[float, float, float] = SIGLIP_STD
    resample: int = int(Image.Resampling.BICUBIC)

    @classmethod
    def from_folder(
        cls, folder: str | Path, size: int, resample: int = int(Image.Resampling.BICUBIC)
    ) -> FramePreprocessor:
        """Read mean/std/resample from a checkpoint's ``preprocessor_config.json`` when it has
        one (``resample`` is the fallback)."""
        path = Path(folder) / "preprocessor_config.json"
        mean, std = SIGLIP_MEAN, SIGLIP_STD
        if path.is_file():
            data = json.loads(path.read_text())
            mean = tuple(data.get("image_mean", mean))
            std = tuple(data.get("image_std", std))
            resample = int(data.get("resample", resample))
        return cls(size=size, mean=mean, std=std, resample=resample)

    def __call__(self, frame: np.ndarray | Image.Image) -> np.ndarray:
        image = frame if isinstance(frame, Image.Image) else _to_image(frame)
        if image.mode != "RGB":
            image = image.convert("RGB")
        if image.size != (self.size, self.size):
            image = image.resize((self.size, self.size), Image.Resampling(self.resample))
        pixels = np.asarray(image, dtype=np.float32) * (1.0 / 255.0)  # [S, S, 3]
        mean, std = np.asarray(self.mean, np.float32), np.asarray(self.std, np.float32)
        pixels = ((pixels - mean) / std).astype(np.float32, copy=False)
        return np.ascontiguousarray(pixels.transpose(2, 0, 1))  # [3, S, S]


def rgb_array(frame: np.ndarray | Image.Image) -> np.ndarray:
    """Any frame as RGB uint8 ``[H, W, 3]``: grey is repeated, an alpha channel dropped, other
    dtypes clipped to 0-255; ``ValueError`` for anything that is not an image."""
    if isinstance(frame, Image.Image):
        return np.asarray(frame.convert("RGB"))
    array = np.asarray(frame)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"a frame must be an RGB array [H, W, 3]; got shape {array.shape}")
    if array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    return array[..., :3]


def _to_image(frame: np.ndarray) -> Image.Image:
    return Image.fromarray(rgb_array(frame), mode="RGB")
