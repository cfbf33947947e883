"""Reading text in an image with RapidOCR (PP-OCR models on onnxruntime), offline.

Contract: ``OcrEngine(threads=1)`` wraps one RapidOCR instance built from the ONNX models inside
the ``rapidocr`` wheel, named by path so RapidOCR never looks for (or downloads) anything;
orientation classification is off (screen text is upright). ``read(rgb)`` takes an RGB uint8
image ``[H, W, 3]`` and returns ``OcrReading``: the lines read with confidence >= ``MIN_SCORE``
(``OcrLine``: text, box ``(x0, y0, x1, y1)`` in the image's pixels, score; a "line" without a
letter or digit, like a shape read as "■", is not one) and how many detected
lines were too uncertain to keep (text in a script the models cannot read lands there). RapidOCR
itself is imported on the first ``read`` (``load()`` does it early, ``warm_up()`` also opens its
models by reading one drawn word); a missing or broken
install raises ``ScreenTextError`` with one line for people, as does a failing read. Not
thread-safe: one engine per reading thread. ``disable_telemetry()`` runs before onnxruntime
loads.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import VideoScanError

MIN_SCORE = 0.5  # RapidOCR's own default text score
# RapidOCR resizes nothing itself (regions.py bounds the work); 4096 is only a safety net
MAX_SIDE = 4096
MODEL_FILES = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
log = logging.getLogger("videoscan")
_WORDLIKE = re.compile(r"\w")


class ScreenTextError(VideoScanError):
    """Screen text cannot be read (OCR missing or failing); the assistant goes on without it."""


@dataclass(frozen=True)
class OcrLine:
    text: str
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 (pixels, x1/y1 exclusive)
    score: float


@dataclass(frozen=True)
class OcrReading:
    lines: tuple[OcrLine, ...] = ()
    uncertain: int = 0  # detected lines read with too little confidence (kept out)


def model_folder() -> Path:
    """Where the wheel keeps its ONNX models (without importing RapidOCR's heavy parts)."""
    import importlib.util

    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        raise ScreenTextError(
            "screen text is off: the OCR package is not installed (pip install rapidocr==3.10.0)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class OcrEngine:
    def __init__(self, threads: int = 1, min_score: float = MIN_SCORE) -> None:
        self.threads = threads
        self.min_score = min_score
        self._ocr: Any = None  # RapidOCR once loaded
        self._lock = threading.Lock()

    def load(self) -> None:
        """Build RapidOCR now (it is cheap: the ONNX sessions open on the first read)."""
        with self._lock:
            if self._ocr is None:
                self._ocr = _build(self.threads)

    def warm_up(self) -> None:
        """Load and run both models once on a drawn word, so the first real frame is read at
        full speed (RapidOCR opens each ONNX session on first use)."""
        from .draw import draw_text

        image = np.full((48, 160, 3), 255, np.uint8)
        draw_text(image, 8, 12, "ready", 18)
        self.read(image)

    def read(self, rgb: np.ndarray) -> OcrReading:
        """Lines of text in ``rgb`` ``[H, W, 3]`` uint8."""
        self.load()
        if rgb.size == 0 or min(rgb.shape[:2]) < 4:
            return OcrReading()
        bgr = np.ascontiguousarray(rgb[:, :, 2::-1])  # RapidOCR reads arrays as OpenCV BGR
        try:
            result = self._ocr(bgr, use_cls=False, text_score=0.0)
        except Exception as error:  # onnxruntime or RapidOCR internals
            first = str(error).strip().splitlines()[-1:] or [type(error).__name__]
            raise ScreenTextError(f"screen text could not be read: {first[0][:200]}") from error
        if result.boxes is None or result.txts is None:
            return OcrReading()
        kept, uncertain = [], 0
        for points, text, score in zip(result.boxes, result.txts, result.scores, strict=True):
            text = " ".join(str(text).split())
            if not _WORDLIKE.search(text):
                continue  # shapes read as symbols ("■" for a square): not text
            if float(score) < self.min_score:
                uncertain += 1
                continue
            kept.append(OcrLine(text, _box(points), round(float(score), 3)))
        return OcrReading(tuple(kept), uncertain)


def _box(points) -> tuple[int, int, int, int]:
    """The axis-aligned box of a quadrilateral ``[4, 2]``."""
    points = np.asarray(points, dtype=np.float32)
    x0, y0 = np.floor(points.min(axis=0)).astype(int)
    x1, y1 = np.ceil(points.max(axis=0)).astype(int)
    return int(x0), int(y0), int(x1), int(y1)


def _build(threads: int):
    from ..telemetry import disable_telemetry

    disable_telemetry()  # before onnxruntime loads
    folder = model_folder()
    missing = [name for name in MODEL_FILES.values() if not (folder / name).is_file()]
    if missing:
        raise ScreenTextError(
            f"screen text is off: the OCR models are missing ({', '.join(missing)}); "
            "reinstall rapidocr==3.10.0"
        )
    try:
        from rapidocr import RapidOCR
    except Exception as error:  # ImportError, or a broken onnxruntime/OpenCV
        raise ScreenTextError(f"screen text is off: OCR does not load ({error})") from error
    params = {
        "Global.use_cls": False,
        "Global.log_level": "error",
        "Global.max_side_len": MAX_SIDE,
        "Global.model_root_dir": str(folder),
        "Det.limit_type": "max",
        "Det.limit_side_len": MAX_SIDE,
        "EngineConfig.onnxruntime.intra_op_num_threads": threads,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    params.update({f"{part}.model_path": str(folder / name) for part, name in MODEL_FILES.items()})
    try:
        return RapidOCR(params=params)
    except Exception as error:
        raise ScreenTextError(f"screen text is off: OCR does not start ({error})") from error
