"""The follow-up history: the recent questions and answers, as text after the memory, so
follow-up questions work (not the app's chat log, ``app/models/conversation.py``).

Contract: ``FollowUpHistory(max_turns, max_chars, mode)`` keeps the last question/answer pairs
(``add(question, answer)``, ``clear()``, ``turns()``), bounded in pairs and in characters (a
cheap proxy for tokens: the oldest pairs go first; ``fit_history`` bounds them in tokens when
the engine tokenizes). ``for_question(question)`` is the history a question is shown: with mode
``"follow-ups"`` (the default) only a question that refers back (``refers_back``: "And before
that?", "What color is it?") sees it, because a self-contained question does not need it and the
small demo model answers self-contained questions much worse with earlier exchanges in the
prompt (27 vs 91 of 142 word questions right, see its card); ``"always"`` shows it to every
question. ``prompt_with_history(prompt, question, instruction, history)`` is the text that
follows the memory: the earlier turns as real chat turns (the time instruction goes in the first
one, right after the frames), then the new question, with the screen text shown for it
(``context``) right before it. With no history it equals ``prompt.question_text(question,
instruction, context)``, so a model trained without history sees exactly what it was trained on.
Training (``train/data.py``) builds two-turn questions with the same function, so the demo model
learns the format the engine uses. Nothing here touches the stream.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..adapters.prompt import PromptFormat

DEFAULT_MAX_TURNS = 2
DEFAULT_MAX_CHARS = 600
MODES = ("follow-ups", "always")
_REFERS_BACK = re.compile(
    r"^\s*(and|but|so|then|also|what about|how about)\b"
    r"|\b(that|it|its|them|those|these|they|this one|the same|before|after|earlier|else|again)\b",
    re.IGNORECASE,
)


def refers_back(question: str) -> bool:
    """Whether a question leans on the conversation ("And before that?", "Is it red?")."""
    return bool(_REFERS_BACK.search(question))


def turn_break(prompt: PromptFormat) -> str:
    """The text between an answer and the next user question: the end of the assistant's turn
    and the opening of a user turn, taken from the format's own templates (ChatML:
    ``<|im_end|>\\n<|im_start|>user``; the question template supplies the newline after it)."""
    after_system = prompt.system_template.split("{system}", 1)[-1]
    if prompt.question_template.startswith("\n") and after_system.endswith("\n"):
        after_system = after_system[:-1]
    return after_system


def prompt_with_history(
    prompt: PromptFormat,
    question: str,
    instruction: str | None = None,
    history: Sequence[tuple[str, str]] = (),
    context: str | None = None,
) -> str:
    """The text after the memory for ``question`` with earlier ``(question, answer)`` turns;
    ``context`` (the screen text for this question) goes in the new question's turn."""
    if not history:
        return prompt.question_text(question, instruction, context)
    parts = []
    for index, (asked, answered) in enumerate(history):
        parts.append(prompt.question_text(asked, instruction if index == 0 else None))
        parts.append(answered.strip() + turn_break(prompt))
    parts.append(prompt.question_text(question, context=context))
    return "".join(parts)


@dataclass(frozen=True)
class Turn:
    question: str
    answer: str


class FollowUpHistory:
    """The last few question/answer pairs (oldest first)."""

    def __init__(
        self,
        max_turns: int = DEFAULT_MAX_TURNS,
        max_chars: int = DEFAULT_MAX_CHARS,
        mode: str = "follow-ups",
    ) -> None:
        if max_turns < 0 or max_chars < 0:
            raise ValueError("max_turns and max_chars must be >= 0")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)} (got {mode!r})")
        self.mode = mode
        self.max_turns = max_turns
        self.max_chars = max_chars
        self._turns: list[Turn] = []

    def add(self, question: str, answer: str) -> None:
        """Remember a finished exchange (empty answers are not remembered)."""
        if not answer.strip() or self.max_turns == 0:
            return
        self._turns.append(Turn(question.strip(), answer.strip()))
        self._trim()

    def clear(self) -> None:
        self._turns.clear()

    def drop_oldest(self) -> bool:
        """Forget the oldest pair; False when there was none."""
        if not self._turns:
            return False
        self._turns.pop(0)
        return True

    def _trim(self) -> None:
        while len(self._turns) > self.max_turns:
            self._turns.pop(0)
        while self._turns and self._chars() > self.max_chars:
            self._turns.pop(0)

    def _chars(self) -> int:
        return sum(len(turn.question) + len(turn.answer) for turn in self._turns)

    def turns(self) -> tuple[tuple[str, str], ...]:
        return tuple((turn.question, turn.answer) for turn in self._turns)

    def for_question(self, question: str) -> tuple[tuple[str, str], ...]:
        """The turns shown before ``question`` (see the module doc on ``mode``)."""
        if self.mode == "always" or refers_back(question):
            return self.turns()
        return ()

    def __len__(self) -> int:
        return len(self._turns)


DEFAULT_HISTORY_TOKENS = 256


def fit_history(
    history: Sequence[tuple[str, str]],
    build: Callable[[Sequence[tuple[str, str]]], str],
    count_tokens: Callable[[str], int],
    budget: int = DEFAULT_HISTORY_TOKENS,
) -> str:
    """``build(history)`` with the oldest turns dropped until the history adds at most
    ``budget`` tokens to the prompt without history."""
    turns = list(history)
    if not turns:
        return build(())
    plain = count_tokens(build(()))
    while turns:
        text = build(turns)
        if count_tokens(text) - plain <= budget:
            return text
        turns.pop(0)
    return build(())
