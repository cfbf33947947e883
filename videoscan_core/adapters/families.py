"""What each model family is, in one place the whole core reads (torch-free, cheap to import).

Contract: ``family(name)`` gives a family's ``Family`` facts (an unknown name gets the defaults);
``FAMILIES`` lists the supported ones, in the order people see them. The facts: the training-free
preset for weights that never saw carriers (``recent_frames`` kept in full, ``keep_topk`` visual
entries per remembered frame, sized so every catalogued model's memory stays within
``hub/frame_cost.CACHE_BUDGET``: ``videoscan models cost``), how a GPU recommendation ranks it
(``generation``: newer bases first), which families resume each other's training checkpoints
(``layout``: a LLaVA-Video saved in OneVision format reads as llava-onevision), and the scaffold
and time-text tokens around a frame (estimates, for the cost table). The adapters (``adapters/``)
implement the families; ``presets.py``, ``train/preflight.py``, ``hub/recommendation.py`` and
``hub/frame_cost.py`` read these facts instead of keeping tables of their own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    name: str
    recent_frames: int = 2  # training-free: frames kept in full
    keep_topk: int = 8  # training-free: visual entries kept per remembered frame
    generation: int = 1  # a GPU recommendation prefers the newest generation that fits
    layout: str = ""  # families with the same layout resume each other ("": its own name)
    scaffold_tokens: int = 0  # text tokens around a frame (estimate), of which
    time_tokens: int = 0  # its time text

    @property
    def training_layout(self) -> str:
        return self.layout or self.name


FAMILIES: tuple[Family, ...] = (
    Family("llava-onevision", recent_frames=2, keep_topk=16, layout="llava"),
    Family("llava-video", recent_frames=1, keep_topk=16, layout="llava"),
    Family("smolvlm2", recent_frames=4, keep_topk=8, scaffold_tokens=15, time_tokens=10),
    Family("qwen2.5-vl", recent_frames=2, keep_topk=16, generation=2),
    Family(
        "qwen3-vl", recent_frames=2, keep_topk=16, generation=3, scaffold_tokens=9, time_tokens=7
    ),
)
_BY_NAME = {item.name: item for item in FAMILIES}


def family(name: str) -> Family:
    return _BY_NAME.get(name) or Family(name)
