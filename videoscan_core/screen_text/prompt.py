"""The screen text a question is shown: blocks of text rendered between the memory and the
question, in the same words for every model family.

Contract: ``fit_screen_text(blocks, max_chars, count_tokens, max_tokens)`` keeps the best-ranked
``SeenText`` blocks (given best first) whose rendered lines fit in ``max_chars`` (an overlong
first block is cut) and, given the model's ``count_tokens``, in ``max_tokens`` (the room
``limits`` reserves for them), and returns them in time order; ``render_screen_text(blocks)``
is the text itself::

    Text seen on the screen:
    [0:12] Alice | Are we still on for 3pm?
    [1:05] error: cannot open 'config.yaml'

one line per block, its lines joined by `` | `` (a chat sender travels with the message, a
notification's title with its text), each prefixed with the time it was first seen as ``m:ss``.
No blocks: the empty string (the prompt is then exactly the one without screen text). Screen text
is untrusted: anything shaped like a special token (``<|im_end|>``, ``<image>``) loses its angle
brackets, control characters become spaces. Training builds its prompts with the same functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from ..events import SeenText

HEADER = "Text seen on the screen:"
LINE_JOIN = " | "
# about 300 tokens of a 49k-vocabulary tokenizer; and a hard bound in tokens, reserved in the
# cache next to the question (limits.FIXED_ENTRIES) so screen text never pushes a question out
MAX_CONTEXT_CHARS = 1200
MAX_CONTEXT_TOKENS = 384
_SPECIAL = re.compile(r"<(\|?[A-Za-z_][\w\-]*\|?)>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def clock(seconds: float) -> str:
    """``m:ss`` of a stream time (minutes not wrapped at 60)."""
    whole = max(int(seconds), 0)
    return f"{whole // 60}:{whole % 60:02d}"


def clean(text: str) -> str:
    """One line of untrusted screen text, safe inside a prompt."""
    text = _SPECIAL.sub(r"\1", text)
    return " ".join(_CONTROL.sub(" ", text).split())


def block_line(block: SeenText) -> str:
    """``[m:ss] line | line``: one block as one prompt line."""
    lines = [clean(line) for line in block.text.splitlines()]
    return f"[{clock(block.first_seen)}] " + LINE_JOIN.join(line for line in lines if line)


def fit_screen_text(
    blocks: Sequence[SeenText],
    max_chars: int = MAX_CONTEXT_CHARS,
    count_tokens: Callable[[str], int] | None = None,
    max_tokens: int = MAX_CONTEXT_TOKENS,
) -> tuple[SeenText, ...]:
    """The best-ranked blocks that fit in ``max_chars`` rendered (and, with ``count_tokens``,
    in ``max_tokens`` of the model's tokenizer), in time order."""
    kept: list[SeenText] = []
    used = len(HEADER)
    for block in blocks:
        if not clean(block.text):
            continue
        size = len(block_line(block)) + 1
        if used + size > max_chars:
            if kept:
                continue  # a smaller, lower-ranked block may still fit
            room = max_chars - used - len(block_line(SeenText("", block.first_seen, 0.0))) - 1
            if room <= 0:
                break
            block = SeenText(clean(block.text)[:room], block.first_seen, block.last_seen)
            size = len(block_line(block)) + 1
        if count_tokens is not None and kept:
            if count_tokens(render_screen_text([*kept, block])) > max_tokens:
                continue
        elif count_tokens is not None and count_tokens(render_screen_text([block])) > max_tokens:
            continue  # one block alone too long in tokens (e.g. a wall of codes)
        kept.append(block)
        used += size
    return tuple(sorted(kept, key=lambda block: (block.first_seen, block.last_seen)))


def render_screen_text(blocks: Sequence[SeenText]) -> str:
    """The screen-text part of the prompt (no trailing newline); ``""`` without blocks."""
    lines = [block_line(block) for block in blocks if clean(block.text)]
    if not lines:
        return ""
    return "\n".join([HEADER, *lines])
