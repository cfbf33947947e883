"""A seeded generator of short streaming videos with multiple-choice questions.

Contract: ``make_video(seed)`` returns a ``SyntheticVideo``: 1 FPS frames (RGB uint8, 48x48 by
default) in which coloured shapes appear one after another (moving while visible), separated by
blank or distractor frames (noise, a white flash), and four questions whose answers need:
``now`` (the shape on screen in the last frame), ``past`` (the first shape, long ago), ``order``
(which of two shapes appeared first) and ``count`` (how many shapes appeared over the whole
stream). Answers are option letters; options are listed in a fixed order (colours: red, green,
blue, yellow; shapes: square, circle, triangle; counts 1-4), except for ``order``, whose two
options follow the question's wording. ``split_seeds(split, count)`` gives seeds of disjoint ranges
for train / validation / test, so splits never overlap. Everything is deterministic in the seed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

COLORS = {
    "red": (220, 40, 40),
    "green": (40, 200, 60),
    "blue": (50, 90, 230),
    "yellow": (230, 210, 40),
}
SHAPES = ("square", "circle", "triangle")
LETTERS = "ABCD"
QUESTION_TYPES = ("now", "past", "order", "count")
SPLIT_OFFSETS = {"train": 0, "validation": 10_000_000, "test": 20_000_000}


@dataclass(frozen=True)
class Event:
    shape: str
    color: str
    start: int  # first frame index showing it
    length: int  # frames it stays

    @property
    def name(self) -> str:
        return f"{self.color} {self.shape}"


@dataclass(frozen=True)
class Question:
    kind: str
    text: str  # the question with its options
    answer: str  # the correct option letter
    options: tuple[str, ...] = ()


@dataclass
class SyntheticVideo:
    seed: int
    frames: list[np.ndarray]
    timestamps: list[float]
    events: list[Event]
    questions: list[Question] = field(default_factory=list)


def split_seeds(split: str, count: int, start: int = 0) -> list[int]:
    try:
        offset = SPLIT_OFFSETS[split]
    except KeyError:
        raise ValueError(f"unknown split {split!r}; use train, validation or test") from None
    if start + count > 10_000_000:
        raise ValueError("a split holds at most 10 million videos")
    return [offset + start + i for i in range(count)]


def _draw(canvas: np.ndarray, shape: str, color: tuple, cx: int, cy: int, radius: int) -> None:
    size = canvas.shape[0]
    ys, xs = np.mgrid[0:size, 0:size]
    if shape == "square":
        inside = (abs(xs - cx) <= radius) & (abs(ys - cy) <= radius)
    elif shape == "circle":
        inside = (xs - cx) ** 2 + (ys - cy) ** 2 <= radius**2
    else:  # triangle pointing up
        inside = (
            (ys <= cy + radius)
            & (ys >= cy - radius)
            & (abs(xs - cx) <= (ys - (cy - radius)) / 2 + 0.5)
        )
    canvas[inside] = color


def _options(correct: str, pool: list[str]) -> tuple[list[str], str]:
    """The options in a fixed order (the pool's), and the correct letter."""
    options = list(pool)[: len(LETTERS)]
    return options, LETTERS[options.index(correct)]


def _format(question: str, options: list[str]) -> str:
    listed = " ".join(f"({LETTERS[i]}) {option}" for i, option in enumerate(options))
    return f"{question} Options: {listed}. Answer with the option's letter."


def make_video(seed: int, size: int = 48, max_events: int = 4) -> SyntheticVideo:
    rng = np.random.default_rng(seed)
    count = int(rng.integers(1, max_events + 1))
    events: list[Event] = []
    schedule: list[Event | str | None] = []
    used: set[str] = set()
    for index in range(count):
        gap = int(rng.integers(0, 3)) if index else int(rng.integers(0, 2))
        for _ in range(gap):
            schedule.append(str(rng.choice(["blank", "blank", "noise", "flash"])))
        while True:
            shape, color = str(rng.choice(SHAPES)), str(rng.choice(list(COLORS)))
            if f"{color} {shape}" not in used:
                break
        used.add(f"{color} {shape}")
        event = Event(shape, color, len(schedule), int(rng.integers(2, 5)))
        events.append(event)
        schedule += [event] * event.length
    background = int(rng.integers(15, 45))
    frames = []
    cx = cy = size // 2
    for index, item in enumerate(schedule):
        canvas = np.full((size, size, 3), background, np.uint8)
        if item == "noise":
            canvas = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        elif item == "flash":
            canvas[:] = 235
        elif isinstance(item, Event):
            step = index - item.start
            radius = size // 4
            x0 = int(rng.integers(radius + 1, size - radius - 1)) if step == 0 else cx
            y0 = int(rng.integers(radius + 1, size - radius - 1)) if step == 0 else cy
            cx = int(np.clip(x0 + rng.integers(-4, 5), radius + 1, size - radius - 2))
            cy = int(np.clip(y0 + rng.integers(-4, 5), radius + 1, size - radius - 2))
            _draw(canvas, item.shape, COLORS[item.color], cx, cy, radius)
        frames.append(canvas)
    video = SyntheticVideo(seed, frames, [float(i) for i in range(len(frames))], events)
    video.questions = _questions(rng, events)
    return video


def _questions(rng: np.random.Generator, events: list[Event]) -> list[Question]:
    colors = list(COLORS)
    last, first = events[-1], events[0]
    questions = []
    if rng.random() < 0.5:
        options, letter = _options(last.color, colors)
        text = "What color is the shape on the screen now?"
    else:
        options, letter = _options(last.shape, list(SHAPES))
        text = "What shape is on the screen now?"
    questions.append(Question("now", _format(text, options), letter, tuple(options)))
    options, letter = _options(first.color, colors)
    text = "What color was the first shape that appeared in the video?"
    questions.append(Question("past", _format(text, options), letter, tuple(options)))
    if len(events) >= 2:
        i, j = sorted(rng.choice(len(events), 2, replace=False))
        pair = [events[i].name, events[j].name]
        rng.shuffle(pair)
        text = f"Which appeared first, the {pair[0]} or the {pair[1]}?"
        letter = LETTERS[pair.index(events[i].name)]
        questions.append(Question("order", _format(text, pair), letter, tuple(pair)))
    counts = ["1", "2", "3", "4"]
    text = "How many shapes appeared in the video?"
    questions.append(
        Question("count", _format(text, counts), LETTERS[len(events) - 1], tuple(counts))
    )
    return questions


def example_questions() -> list[str]:
    """Questions that fit any benchmark video (for the app's demo suggestions)."""
    colors, counts = list(COLORS), ["1", "2", "3", "4"]
    return [
        _format("What color is the shape on the screen now?", colors),
        _format("What shape is on the screen now?", list(SHAPES)),
        _format("What color was the first shape that appeared in the video?", colors),
        _format("How many shapes appeared in the video?", counts),
    ]


def answer_letter(text: str, letters: str = LETTERS) -> str:
    """The option letter a model answered: "B", "(B)", "B. red", "b)" -> "B"; "" when the answer
    does not start with a standalone letter ("blue" is not "B")."""
    match = re.match(r"\s*\(?([A-Za-z])(?:[).:,]|\s|$)", text)
    if match and match.group(1).upper() in letters:
        return match.group(1).upper()
    return ""


def corpus_lines(videos: int = 200) -> list[str]:
    """Every kind of text the benchmark produces (for building a tokenizer)."""
    lines = []
    for seed in split_seeds("train", videos):
        video = make_video(seed)
        lines += [question.text for question in video.questions]
        lines += [question.answer for question in video.questions]
    return lines
