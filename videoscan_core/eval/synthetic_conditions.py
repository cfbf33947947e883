"""Contrastive yes/no drills about "now": the training signal that teaches alert conditions.

Contract: ``condition_drill(video, cut, rng)`` returns ``WordQuestion``s (kind ``"condition"``)
about frame ``cut - 1`` of a ``SyntheticVideo``, in the wording alerts ask
(``conditions.condition_question``). When a shape is on the screen, each attribute style
(its colour: "a red shape appears", its shape: "a circle appears", its name: "the red circle
appears") is asked twice, once true and once false (another colour, another shape, another
name), so the answer cannot come from the question alone: the model must look at the newest
carrier. On a blank screen it asks three false conditions. ``onset_cut(video, rng)`` picks a cut
whose last frame is a shape's first frame (the moment an alert must fire) or the first blank
frame after one (the moment it must re-arm). Drawn from the caller's generator only; it never
changes ``make_video`` or the benchmark's questions.
"""

from __future__ import annotations

import numpy as np

from ..stream.conditions import condition_question
from .synthetic import COLORS, SHAPES, Event, SyntheticVideo
from .synthetic_words import WordQuestion, on_screen

_VERBS = ("appears", "is on the screen", "is visible")
_PREFIXES = ("when ", "", "tell me when ", "alert me when ")


def _pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


def _other(rng: np.random.Generator, options, not_this: str) -> str:
    return _pick(rng, [option for option in options if option != not_this])


def _phrases(rng: np.random.Generator, now: Event | None) -> list[tuple[str, bool]]:
    colors = list(COLORS)
    if now is None:
        color, shape = _pick(rng, colors), _pick(rng, SHAPES)
        return [(f"a {color} shape", False), (f"a {shape}", False),
                (f"the {_pick(rng, colors)} {_pick(rng, SHAPES)}", False)]  # fmt: skip
    if rng.random() < 0.5:
        wrong_name = f"{_other(rng, colors, now.color)} {now.shape}"
    else:
        wrong_name = f"{now.color} {_other(rng, SHAPES, now.shape)}"
    return [
        (f"a {now.color} shape", True),
        (f"a {_other(rng, colors, now.color)} shape", False),
        (f"a {now.shape}", True),
        (f"a {_other(rng, SHAPES, now.shape)}", False),
        (f"the {now.name}", True),
        (f"the {wrong_name}", False),
    ]


def condition_drill(
    video: SyntheticVideo, cut: int, rng: np.random.Generator
) -> list[WordQuestion]:
    """Balanced true/false conditions about frame ``cut - 1`` (see module doc)."""
    now = on_screen(video, cut - 1)
    drill = []
    for phrase, holds in _phrases(rng, now):
        text = condition_question(_pick(rng, _PREFIXES) + f"{phrase} {_pick(rng, _VERBS)}")
        drill.append(WordQuestion("condition", text, "yes" if holds else "no"))
    order = rng.permutation(len(drill))
    return [drill[i] for i in order]


def onset_cut(video: SyntheticVideo, rng: np.random.Generator) -> int:
    """A cut ending on a shape's first frame, or on the first blank frame after a shape."""
    moments = [event.start + 1 for event in video.events]
    moments += [
        event.start + event.length + 1
        for event in video.events
        if event.start + event.length < len(video.frames)
    ]
    return int(_pick(rng, sorted(set(moments))))
