"""Yes/no conditions scored on the live memory ("tell me when a red shape appears").

Contract: ``condition_question(text)`` turns a condition ("when a red circle appears", "a build
fails") into the yes/no question the model is asked (a text that already ends in "?" is asked
as written); the demo model is trained on exactly this wording. ``score_condition(engine, text,
with_times=False)``, the one scorer (alerts, ``watch``, the API and MCP), returns P(yes) in
[0, 1] from the first answer token of one question prefill over the current memory: the softmax
over the "yes" and "no" spellings' first tokens (log-sum-exp per side; ``yes_no_ids(model)``,
worked out once per model). The cache is rolled back (``engine.first_token_logits``), so the
stream is unchanged; neither the conversation history nor (unless ``with_times``) the time
instruction is used. Before any frame it returns 0.5 (nothing to judge).
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable

YES_WORDS = ("yes", "Yes", " yes", " Yes", "YES")
NO_WORDS = ("no", "No", " no", " No", "NO")
_PREFIXES = ("tell me when ", "alert me when ", "notify me when ", "when ", "if ")


def condition_question(text: str) -> str:
    """The yes/no question asked for a condition."""
    stripped = text.strip()
    if stripped.endswith("?"):
        return stripped
    body = stripped.rstrip(".!")
    lowered = body.lower()
    for prefix in _PREFIXES:
        if lowered.startswith(prefix):
            body = body[len(prefix) :]
            break
    return f"Is this true now: {body}? Answer yes or no."


def _first_ids(tokenizer, words: Iterable[str]) -> list[int]:
    """First token of each spelling, skipping spellings whose first token is blank (a tokenizer
    may split " yes" into a bare space and "yes": a bare space says nothing about yes or no)."""
    ids: list[int] = []
    for word in words:
        pieces = tokenizer(word, add_special_tokens=False)["input_ids"]
        if not pieces or not tokenizer.decode([int(pieces[0])]).strip():
            continue
        if int(pieces[0]) not in ids:
            ids.append(int(pieces[0]))
    return ids


def yes_no_token_ids(tokenizer) -> tuple[list[int], list[int]]:
    """First-token ids of the yes and no spellings (a token shared by both is dropped from no)."""
    yes = _first_ids(tokenizer, YES_WORDS)
    no = [token for token in _first_ids(tokenizer, NO_WORDS) if token not in yes]
    if not yes or not no:
        raise ValueError("the tokenizer cannot tell 'yes' from 'no' by the first token")
    return yes, no


def yes_probability(logits, yes: list[int], no: list[int]) -> float:
    """P(yes) from first-token logits ``[V]``."""
    margin = float(logits[yes].float().logsumexp(0) - logits[no].float().logsumexp(0))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, margin))))


_YES_NO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> (yes, no)


def yes_no_ids(model) -> tuple[list[int], list[int]]:
    """``yes_no_token_ids`` of the model's tokenizer, worked out once per model."""
    if model not in _YES_NO:
        _YES_NO[model] = yes_no_token_ids(model.tokenizer)
    return _YES_NO[model]


def score_condition(engine, text: str, with_times: bool = False) -> float:
    """P(yes) that ``text`` holds now, from one rolled-back prefill (see module doc). A
    condition is about now, so unless ``with_times`` it is asked without the time instruction
    (which lists every carrier's time: hundreds of tokens at M=64, several times the question)."""
    if not engine.frames_seen:
        return 0.5
    question = condition_question(text)
    logits = engine.first_token_logits(question, use_history=False, with_times=with_times)  # [V]
    return yes_probability(logits, *yes_no_ids(engine.model))
