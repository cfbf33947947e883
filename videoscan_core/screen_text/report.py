"""Screen text as people and programs see it: JSON rows and the note under an answer.

Contract: ``seen_rows(items)`` turns ``SeenText`` items into ``[{text, first_seen, last_seen}]``
(times rounded to 0.01 s): ``run --json``'s ``screen_text`` and ``evidence_text``, the API's
``videoscan`` field, MCP answers. ``evidence_note(items)`` is the plain-text note printed under an
answer (one ``[m:ss] text`` line per block), ``""`` without items.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..events import SeenText
from .prompt import block_line


def seen_rows(items: Iterable[SeenText]) -> list[dict]:
    return [
        {
            "text": item.text,
            "first_seen": round(item.first_seen, 2),
            "last_seen": round(item.last_seen, 2),
        }
        for item in items
    ]


def evidence_note(items: Iterable[SeenText]) -> str:
    lines = [f"     {block_line(item)}" for item in items]
    return "\n   (screen text shown with the question:\n" + "\n".join(lines) + ")" if lines else ""
