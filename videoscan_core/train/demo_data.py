"""The bundled model's training mix: the synthetic videos' questions, screen-text questions and
general questions answered as the base language model answers them (self-distillation).

Contract: ``general_questions()`` lists general questions from templates (capitals, arithmetic,
spelling, definitions, greetings). ``distill(vlm, questions)`` asks each with nothing remembered
(so through the plain language model: LoRA off, exactly the base model's greedy answer) and keeps
the answers that ended within ``max_new_tokens``: ``{question: answer}``. ``DemoMixDataset``
yields one ``TrainingExample`` per synthetic training video: its multiple-choice and word
questions (``SyntheticDataset(words=True)``; its "other" kind, things the video cannot show, is
answered ``NOT_SEEN`` instead of the toy's fixed refusal, and its general questions are left to
the distilled ones), at most ``max_questions`` of them, plus one screen-text question with its
context (``demo_screen_text``; even indices) or one distilled general question (odd indices),
asked with the video's frames in memory. Deterministic in the index.
"""

from __future__ import annotations

import numpy as np
from torch.utils.data import Dataset

from .data import SyntheticDataset, TrainingExample
from .demo_screen_text import NOT_SEEN, screen_text_question

# the word questions' "other" kind that are general questions: the base model answers those
GENERAL_OTHER = {"What is the capital of France?", "Write a poem.", "Hello!",
                 "Translate this into French."}

COUNTRIES = ("France", "Germany", "Italy", "Spain", "Japan", "Canada", "Egypt", "Brazil",
             "Kenya", "India", "Norway", "Peru", "Australia", "Mexico", "Greece", "Poland")
THINGS = ("a computer", "the sun", "water", "a bicycle", "music", "a library", "a planet",
          "electricity", "a volcano", "the internet", "a bridge", "photosynthesis")
SPELL = ("cat", "house", "river", "yellow", "garden", "window", "orange", "friend", "school")
GREETINGS = ("Hello!", "Hi, how are you?", "Good morning!", "Thank you!", "Who are you?",
             "What can you do?")


def general_questions() -> list[str]:
    questions = [f"What is the capital of {c}?" for c in COUNTRIES]
    questions += [f"What is {a} plus {b}?" for a, b in ((2, 3), (7, 5), (12, 9), (20, 22),
                                                        (6, 8), (15, 15), (3, 4), (9, 1))]
    questions += [f"What is {a} times {b}?" for a, b in ((2, 3), (4, 5), (6, 7), (3, 9))]
    questions += [f"How do you spell the word {w}?" for w in SPELL]
    questions += [f"What is {t}?" for t in THINGS]
    questions += [f"Name a color of the {t}." for t in ("sky", "grass", "sun", "sea")]
    return questions + list(GREETINGS)


def distill(vlm, questions: list[str], max_new_tokens: int = 64) -> dict[str, str]:
    """The base model's greedy answers (asked with nothing remembered), finished ones only."""
    from ..config import EngineConfig, GenerationOptions
    from ..stream.engine import StreamingEngine

    engine = StreamingEngine(vlm, EngineConfig(device=str(vlm.device)))
    options = GenerationOptions(max_new_tokens=max_new_tokens)
    answers = {}
    for question in questions:
        chunks = list(engine.ask(question, options, use_history=False, remember=False))
        if chunks[-1].stop_reason == "eos" and chunks[-1].answer:
            answers[question] = chunks[-1].answer
    return answers


class DemoMixDataset(Dataset):
    def __init__(self, videos: int, distilled: dict[str, str], start: int = 0,
                 max_questions: int = 4, max_frames: int = 32) -> None:
        self.videos = SyntheticDataset("train", videos, start, max_frames=max_frames, words=True)
        self.general = sorted(distilled.items())
        self.max_questions = max_questions

    def __len__(self) -> int:
        return len(self.videos)

    def __getitem__(self, index: int) -> TrainingExample:
        example = self.videos[index]
        rng = np.random.default_rng(self.videos.seeds[index] * 7 + 3)
        kinds = example.kinds or ["mc"] * len(example.questions)
        keep = [k for k, kind in enumerate(kinds)
                if kind != "other" or example.questions[k] not in GENERAL_OTHER]
        if len(keep) > self.max_questions:
            keep = sorted(rng.choice(keep, self.max_questions, replace=False).tolist())
        histories = example.histories or [()] * len(example.questions)
        questions = [example.questions[k] for k in keep]
        answers = [NOT_SEEN if kinds[k] == "other" else example.answers[k] for k in keep]
        history = [histories[k] for k in keep]
        contexts: list[str | None] = [None] * len(keep)
        added = []
        if index % 2 == 0 or not self.general:  # screen text costs ~150 tokens: every other
            context, question, answer, _ = screen_text_question(rng, example.timestamps[-1])
            questions.append(question)
            answers.append(answer)
            history.append(())
            contexts.append(context)
            added.append("screen_text")
        else:
            question, answer = self.general[int(rng.integers(len(self.general)))]
            questions.append(question)
            answers.append(answer)
            history.append(())
            contexts.append(None)
            added.append("general")
        kinds_kept = [kinds[k] for k in keep] + added
        return TrainingExample(example.frames, example.timestamps, questions, answers,
                               kinds_kept, history, contexts)
