"""The bundled model's training mix: screen-text questions in the engine's exact prompt, answers
that name what the context shows, refusals only where the context cannot know, and general
questions with the base model's answers."""

from __future__ import annotations

import numpy as np

from videoscan_core.adapters.prompt import PromptFormat
from videoscan_core.eval.synthetic_words import CANNOT_ANSWER
from videoscan_core.screen_text.prompt import HEADER
from videoscan_core.stream.history import prompt_with_history
from videoscan_core.train.data import Collator
from videoscan_core.train.demo_data import DemoMixDataset, general_questions
from videoscan_core.train.demo_screen_text import NOT_SEEN, screen_text_question

EVALUATION_SCENES = ("terminal", "chat", "notification", " shop", "cart", "$ ")


def test_screen_text_answers_name_what_the_context_shows():
    refusals = 0
    for seed in range(300):
        context, question, answer, value = screen_text_question(np.random.default_rng(seed), 90)
        assert context.startswith(HEADER + "\n[")
        assert not any(scene in context.lower() for scene in EVALUATION_SCENES)
        if answer == NOT_SEEN:
            refusals += 1
            continue
        assert context.count(value) == 1, (value, context)  # distractors never hold one
        assert value.split()[-1] in answer
    assert 15 <= refusals <= 70  # about one in eight


def test_examples_carry_the_context_into_the_engines_prompt():
    distilled = {"What is 2 plus 3?": "2 plus 3 is 5."}
    assert DemoMixDataset(4, distilled)[1].answers[-1] == "2 plus 3 is 5."
    example = DemoMixDataset(4, distilled)[2]
    assert example.kinds[-1] == "screen_text"
    assert CANNOT_ANSWER not in example.answers  # the toy's fixed refusal is not trained
    others = [DemoMixDataset(60, distilled)[i] for i in range(60)]
    refused = [q for e in others for q, k in zip(e.questions, e.kinds, strict=True)
               if k == "other"]
    assert refused and "What is the capital of France?" not in refused
    assert all(a == NOT_SEEN for e in others for a, k in zip(e.answers, e.kinds, strict=True)
               if k == "other")
    assert len(example.questions) <= 10 and len(example.contexts) == len(example.questions)
    prompt = PromptFormat()
    collator = Collator(_Tokenizer(), preprocessor=None, prompt=prompt, time_instruction=False)
    text = collator.question_text(example, example.questions[-1], (), example.contexts[-1])
    assert text == prompt_with_history(prompt, example.questions[-1], None, (),
                                       example.contexts[-1])
    assert HEADER in text


def test_general_questions_cover_capitals_arithmetic_and_spelling():
    questions = general_questions()
    assert "What is the capital of France?" in questions
    assert any("plus" in q for q in questions) and any("spell" in q for q in questions)


class _Tokenizer:
    pad_token_id = 0

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": [ord(c) for c in text]}
