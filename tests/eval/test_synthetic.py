"""The synthetic benchmark: deterministic, disjoint splits, answerable questions, scoring."""

from __future__ import annotations

import numpy as np
import pytest

from videoscan_core.eval.benchmark import Variant, evaluate, standard_variants, uniform_indices
from videoscan_core.eval.synthetic import (
    COLORS,
    QUESTION_TYPES,
    answer_letter,
    make_video,
    split_seeds,
)


def test_same_seed_same_video_and_splits_never_overlap():
    a, b = make_video(7), make_video(7)
    assert all(np.array_equal(x, y) for x, y in zip(a.frames, b.frames, strict=True))
    assert [q.text for q in a.questions] == [q.text for q in b.questions]
    train, validation, test = (set(split_seeds(s, 5000)) for s in ("train", "validation", "test"))
    assert not train & validation and not train & test and not validation & test
    with pytest.raises(ValueError):
        split_seeds("holdout", 1)


@pytest.mark.parametrize("seed", range(0, 400, 37))
def test_answers_follow_from_the_video(seed):
    video = make_video(seed)
    kinds = [q.kind for q in video.questions]
    assert kinds[:2] == ["now", "past"] and kinds[-1] == "count"
    now, past, *rest = video.questions
    last, first = video.events[-1], video.events[0]
    assert now.options[ord(now.answer) - 65] in (last.color, last.shape)
    assert past.options[ord(past.answer) - 65] == first.color
    # the last frame shows the last shape in its colour
    pixels = video.frames[-1].reshape(-1, 3)
    assert (np.abs(pixels.astype(int) - COLORS[last.color]).sum(axis=1) < 3).sum() > 20
    count = video.questions[-1]
    assert count.options[ord(count.answer) - 65] == str(len(video.events))
    if len(video.events) >= 2:
        order = video.questions[2]
        chosen = order.options[ord(order.answer) - 65]
        names = [e.name for e in video.events]
        other = [o for o in order.options if o != chosen][0]
        assert names.index(chosen) < names.index(other)


def test_answer_letter_parsing():
    assert answer_letter("B") == "B" and answer_letter("(C) blue") == "C"
    assert answer_letter(" d.") == "D" and answer_letter("blue") == ""
    assert answer_letter("") == "" and answer_letter("xyz") == ""


def test_uniform_indices():
    assert uniform_indices(3, 8) == [0, 1, 2]
    assert uniform_indices(10, 4) == [0, 3, 6, 9]


def test_every_standard_variant_runs_through_the_engine(tiny_vlm):
    for variant in standard_variants():
        result = evaluate(tiny_vlm, variant, "validation", videos=2)
        assert result.questions == sum(
            len(make_video(s).questions) for s in split_seeds("validation", 2)
        )
        assert set(result.per_type) <= set(QUESTION_TYPES)
        assert 0.0 <= result.accuracy <= 1.0
    uniform = evaluate(
        tiny_vlm, Variant("u", "uniform", standard_variants()[1].config, 2), "test", 1
    )
    assert uniform.questions > 0
