"""Multiple-choice prompts and answer parsing compatible with lmms-eval.

Contract:
- ``parse_choice(text, n_options, options=None) -> int | None``: the 0-based option a model's
  answer names, or None when it names none (or a letter past ``n_options``). It accepts what
  models really write: "B", "(B)", "B.", "B)", "b", "**B**", "The answer is B",
  "Best option: (B)", "Answer: B) red", "Option B", "B: red", "I think it's (C).", and, when
  ``options`` is given, the option's text alone ("red"). The rules follow lmms-eval's
  ``extract_characters_regex`` (VideoMME/MVBench/LongVideoBench: strip answer prefixes, take the
  first option letter), with two fixes: a letter must stand as a word (lmms-eval reads the "B" of
  "Because"), and a lowercase letter counts only when marked as a choice ("b", "(b)", "b.").
- ``mc_prompt(question, options, style)``: the question with its options as lmms-eval's task
  files write them. ``style`` "videomme": the instruction line, "A. .." options and the
  "Answer with the option's letter ..." line; "mlvu": "(A) .." options ending
  "Only give the best option.\\nBest option: ("; "default" (MVBench, LongVideoBench): "(A) .."
  options and the "Answer with the option's letter ..." line.
"""

from __future__ import annotations

import re

LETTERS = "ABCDEFGHIJ"
ANSWER_DIRECTLY = "Answer with the option's letter from the given choices directly."
VIDEOMME_INSTRUCTION = (
    "Select the best answer to the following multiple-choice question based on the video. "
    "Respond with only the letter ({letters}) of the correct option."
)
MLVU_SUFFIX = "Only give the best option.\nBest option: ("

# lmms-eval's prefixes (videomme/utils.py extract_characters_regex), longest first, plus a few
# forms seen from chat models. Matched case-insensitively and removed before looking for letters.
_PREFIXES = (
    "the best answer is",
    "the correct answer is",
    "the best option is",
    "the correct option is",
    "the right answer is",
    "the answer would be",
    "the answer is",
    "the answer",
    "best answer:",
    "best option:",
    "correct answer:",
    "correct option:",
    "final answer:",
    "answer:",
    "option",
    "choice",
)
_PREFIX_RE = re.compile("|".join(re.escape(p) for p in _PREFIXES), re.IGNORECASE)
# a letter at the start, marked as a choice: "(B)", "B.", "B)", "B:", "[B]", "B" alone
_LEADING = re.compile(r"^[\s*\"'`<\[(]*([A-Ja-j])\s*(?:[)\]>.:,*\"'`]|$)")
# an uppercase letter at the start followed by a space ("B red")
_LEADING_UPPER = re.compile(r"^[\s*\"'`<\[(]*([A-J])\s")
_PARENTHESISED = re.compile(r"\(([A-Ja-j])\)")
_WORD = re.compile(r"(?<![A-Za-z0-9'])([A-J])(?![A-Za-z0-9'])")
_PRONOUN = re.compile(r"I\s+(?:think|believe|would|guess|am|can|don|cannot|see)\b")
_ARTICLE = re.compile(r"A\s+[a-z]")


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.lower()).split())


def _index(letter: str, n_options: int) -> int | None:
    index = LETTERS.find(letter.upper())
    return index if 0 <= index < n_options else None


def _by_text(text: str, options: list[str]) -> int | None:
    said = _norm(text)
    if not said:
        return None
    names = [_norm(option) for option in options]
    exact = [i for i, name in enumerate(names) if name and name == said]
    if len(exact) == 1:
        return exact[0]
    padded = f" {said} "
    inside = [i for i, name in enumerate(names) if name and f" {name} " in padded]
    if len(inside) == 1:
        return inside[0]
    if len(inside) > 1:  # "dark red" contains "red": keep the longest if it contains the others
        longest = max(inside, key=lambda i: len(names[i]))
        if all(names[i] in names[longest] for i in inside):
            return longest
    return None


def parse_choice(text: str, n_options: int, options: list[str] | None = None) -> int | None:
    """The 0-based option the answer ``text`` names, or None (see the module docstring)."""
    if not text or n_options <= 0:
        return None
    raw = text.strip()
    if options and len(options) == n_options:
        exact = [i for i, o in enumerate(options) if _norm(o) and _norm(o) == _norm(raw)]
        if len(exact) == 1 and len(_norm(raw)) > 1:  # the option's text, word for word
            return exact[0]
    stripped = _PREFIX_RE.sub(" ", raw).strip()
    for pattern in (_LEADING, _PARENTHESISED):
        match = pattern.search(stripped) if pattern is _PARENTHESISED else pattern.match(stripped)
        if match:
            found = _index(match.group(1), n_options)
            if found is not None:
                return found
    match = _LEADING_UPPER.match(stripped)
    if match:
        # "A cat jumps" may be an article, "I think" a pronoun: the option text decides first
        by_text = _by_text(stripped, options) if options else None
        if match.group(1) in "AI" and by_text is not None:
            return by_text
        if not (match.group(1) == "I" and _PRONOUN.match(stripped)):
            found = _index(match.group(1), n_options)
            if found is not None:
                return found
    for match in _WORD.finditer(stripped):
        if match.group(1) == "I" and _PRONOUN.match(stripped[match.start() :]):
            continue
        if match.group(1) == "A" and _ARTICLE.match(stripped[match.start() :]) and match.start():
            continue  # "... is a cat" never reaches here (lowercase); "saw A dog" is rare
        found = _index(match.group(1), n_options)
        if found is not None:
            return found
    if options:
        return _by_text(stripped, options)
    return None


def mc_prompt(question: str, options: list[str], style: str = "default") -> str:
    """The question and its options in lmms-eval's wording for ``style`` (module docstring)."""
    letters = LETTERS[: len(options)]
    if style == "videomme":
        listed = "\n".join(f"{letters[i]}. {option}" for i, option in enumerate(options))
        spoken = ", ".join(letters[:-1]) + f", or {letters[-1]}" if len(letters) > 1 else letters
        instruction = VIDEOMME_INSTRUCTION.format(letters=spoken)
        return f"{instruction}\n{question}\n{listed}\n{ANSWER_DIRECTLY}"
    listed = "\n".join(f"({letters[i]}) {option}" for i, option in enumerate(options))
    if style == "mlvu":
        return f"{question}\n{listed}\n{MLVU_SUFFIX}"
    return f"{question}\n{listed}\n{ANSWER_DIRECTLY}"
