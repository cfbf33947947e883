"""parse_choice reads the answer styles real models write; mc_prompt matches lmms-eval's layout."""

from __future__ import annotations

import pytest

from videoscan_core.eval import parse_choice
from videoscan_core.eval.choice import mc_prompt

OPTIONS = ["red", "green", "blue", "dark red"]

# (model output, expected 0-based choice), 4 options
STYLES = [
    ("B", 1),
    ("(B)", 1),
    ("B.", 1),
    ("B)", 1),
    ("b", 1),
    ("(b)", 1),
    ("b.", 1),
    ("The answer is B", 1),
    ("The answer is B.", 1),
    ("The best answer is C", 2),
    ("The correct answer is (D).", 3),
    ("Best option: (B)", 1),
    ("Best option:(C) blue", 2),
    ("Answer: B) green", 1),
    ("answer: b", 1),
    ("B) green", 1),  # MLVU: the model continues "Best option: ("
    ("C. blue", 2),
    ("**B**", 1),
    ("Option B", 1),
    ("B: green", 1),
    ("I think the answer is C.", 2),
    ("I believe it's (A).", 0),
    ("  D\n", 3),
    ("[C]", 2),
    ("The answer is: A", 0),
    ("Based on the video, the person picks up the cup, so the answer is C.", 2),
    ("green", 1),
    ("Green.", 1),
    ("dark red", 3),
    ("The ball is blue", 2),
    ("A", 0),
]


@pytest.mark.parametrize(("text", "expected"), STYLES)
def test_parse_choice_styles(text, expected):
    assert parse_choice(text, 4, OPTIONS) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("B", 1), ("(C)", 2), ("The answer is D", 3), ("answer: a", 0), ("Best option: (B", 1)],
)
def test_letters_without_option_text(text, expected):
    assert parse_choice(text, 4) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "E",  # past the options
        "(F)",
        "Because it is raining",  # lmms-eval would read the "B" of "Because"
        "I don't know",
        "a cat walks by",  # lowercase article, not a choice
        "purple",
        "none of these",
    ],
)
def test_no_choice(text):
    assert parse_choice(text, 4, OPTIONS) is None


def test_ten_options():
    assert parse_choice("(J)", 10) == 9
    assert parse_choice("(J)", 9) is None


def test_prompt_styles():
    default = mc_prompt("Colour?", ["red", "green"])
    assert default == (
        "Colour?\n(A) red\n(B) green\n"
        "Answer with the option's letter from the given choices directly."
    )
    videomme = mc_prompt("Count?", ["1", "2", "3", "4"], "videomme")
    assert videomme.startswith("Select the best answer") and "(A, B, C, or D)" in videomme
    assert "\nC. 3\n" in videomme
    assert mc_prompt("Topic?", ["x", "y"], "mlvu").endswith("Best option: (")
