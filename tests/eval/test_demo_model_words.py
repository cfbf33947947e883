"""The bundled demo model answers in words, refuses what it cannot know, and still picks letters.

Runs the real bundled weights on one synthetic test video (in process, a few seconds)."""

from __future__ import annotations

import re

import pytest

from videoscan_core.config import EngineConfig, GenerationOptions
from videoscan_core.eval.synthetic import answer_letter, make_video, split_seeds
from videoscan_core.eval.synthetic_words import CANNOT_ANSWER
from videoscan_core.paths import bundled_demo_model
from videoscan_core.stream.conditions import score_condition
from videoscan_core.stream.engine import StreamingEngine

pytestmark = pytest.mark.slow  # loads the bundled model and streams a video (~10 s)

SHAPE = re.compile(r"^(a (red|green|blue|yellow) (square|circle|triangle)|no shape)$")
WORDS = GenerationOptions(max_new_tokens=32)


@pytest.fixture(scope="module")
def demo_engine():
    folder = bundled_demo_model()
    if folder is None:
        pytest.skip("the bundled demo model is missing")
    from videoscan_core.adapters import load_model

    engine = StreamingEngine(
        load_model(folder, device="cpu", dtype="float32"), EngineConfig(memory_size=32)
    )
    video = make_video(split_seeds("test", 1, start=3)[0])
    for t, frame in zip(video.timestamps, video.frames, strict=True):
        engine.add_frame(frame, t)
    return engine, video


def ask(engine, question: str) -> str:
    return list(engine.ask(question, WORDS, use_history=False, remember=False))[-1].answer


def test_free_form_questions_get_short_word_answers(demo_engine):
    engine, video = demo_engine
    assert SHAPE.match(ask(engine, "What is on the screen now?"))
    assert SHAPE.match(ask(engine, "What was there at the start?"))
    assert re.fullmatch(r"[1-4] shapes?", ask(engine, "How many shapes appeared in the video?"))
    assert ask(engine, "Is a red shape on the screen now?") in ("yes", "no")


def test_questions_it_cannot_answer_are_refused_in_words(demo_engine):
    engine, _ = demo_engine
    for question in ("Did you see an invoice number?", "What does the email say?"):
        assert ask(engine, question) == CANNOT_ANSWER


def test_multiple_choice_still_answers_with_the_letter(demo_engine):
    engine, video = demo_engine
    for question in video.questions:
        answer = list(engine.ask(question.text, GenerationOptions(max_new_tokens=3)))[-1].answer
        assert answer_letter(answer) in "ABCD" and answer_letter(answer)


def test_condition_scores_agree_with_the_answered_word(demo_engine):
    """score_condition > 0.5 exactly when the model answers "yes" to the same question."""
    from videoscan_core.stream.conditions import condition_question

    engine, _ = demo_engine
    for colour in ("red", "green", "blue", "yellow"):
        condition = f"when a {colour} shape appears"
        said = ask(engine, condition_question(condition))
        assert said in ("yes", "no")
        assert (score_condition(engine, condition) > 0.5) == (said == "yes")
