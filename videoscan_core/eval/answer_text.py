"""Multiple-choice answers shown with their option text ("B" -> "B (green)").

Contract: ``parse_options(question)`` reads options written as "(A) red (B) green ..." (the
benchmark's and LLaVA's form, optionally after "Options:" and ending with ". Answer ...") into
``{"A": "red", "B": "green"}``; ``with_option_text(question, answer)`` returns the answer with the
chosen option's text when the answer is a bare option letter of that question, and the answer
unchanged otherwise. Pure string functions (no model, no Qt).
"""

from __future__ import annotations

import re

_OPTION = re.compile(r"\(([A-H])\)\s*(.*?)(?=\s*\([A-H]\)|\.\s|\.$|$)", re.DOTALL)
_LETTER = re.compile(r"\s*\(?([A-H])\)?[.:,]?\s*$")


def parse_options(question: str) -> dict[str, str]:
    """Option letter -> option text, in order ({} when the question lists none)."""
    start = question.find("Options:")
    listed = question[start + len("Options:") :] if start >= 0 else question
    options: dict[str, str] = {}
    for letter, text in _OPTION.findall(listed):
        text = text.strip().rstrip(".")
        if text and letter not in options:
            options[letter] = text
    return options


def with_option_text(question: str, answer: str) -> str:
    """ "B" -> "B (green)" when B is one of the question's options; otherwise ``answer``."""
    match = _LETTER.match(answer)
    if not match:
        return answer
    text = parse_options(question).get(match.group(1))
    return f"{match.group(1)} ({text})" if text else answer
