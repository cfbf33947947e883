"""Text drawn with a real font onto an RGB frame: the test and benchmark scenes of screen text.

Contract: ``font(size, mono=False, bold=False)`` loads DejaVu Sans (or Sans Mono) at ``size``
pixels (em height) from the system's font folders (Debian/Ubuntu ``fonts-dejavu-core``, or any
folder holding the files), falling back to Pillow's bundled font; ``draw_text(frame, x, y, text,
size, colour, mono, bold)`` draws one line in place on ``frame`` (RGB uint8 ``[H, W, 3]``) and
returns its box ``(x0, y0, x1, y1)``. Deterministic: the same call draws the same pixels.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)


@functools.lru_cache(maxsize=64)
def font(size: int, mono: bool = False, bold: bool = False):
    from PIL import ImageFont

    name = "DejaVuSans" + ("Mono" if mono else "") + ("-Bold" if bold else "") + ".ttf"
    for folder in FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def draw_text(
    frame: np.ndarray,
    x: int,
    y: int,
    text: str,
    size: int = 14,
    colour: tuple[int, int, int] = (20, 20, 20),
    mono: bool = False,
    bold: bool = False,
) -> tuple[int, int, int, int]:
    from PIL import Image, ImageDraw

    face = font(size, mono, bold)
    x0, y0, x1, y1 = (int(v) for v in face.getbbox(text))
    width, height = x1 + 2, y1 + 2
    patch = Image.fromarray(frame[y : y + height, x : x + width])
    ImageDraw.Draw(patch).text((0, 0), text, font=face, fill=colour)
    frame[y : y + height, x : x + width] = np.asarray(patch)
    return x + x0, y + y0, x + x1, y + y1
