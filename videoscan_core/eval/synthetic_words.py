"""Free-form questions about the synthetic videos, answered in words (the demo model's chat).

Contract: ``word_questions(video, seed, cut)`` returns ``WordQuestion``s about the first ``cut``
frames of a ``SyntheticVideo`` (all of them by default): what is on the screen now, its colour or
shape, what was there at the start, how many shapes, which of two came first, yes/no questions
and yes/no conditions (``conditions.condition_question`` wording, as alerts ask them), questions
the demo cannot answer (answered ``CANNOT_ANSWER``), and two-turn follow-ups ("And before
that?", with the earlier exchange in ``history``). Answers are short phrases: "a red circle",
"red", "3 shapes", "yes", "no shape". It never changes ``make_video`` or its multiple-choice
questions (its own random generator is seeded from the video's seed), so the multiple-choice
benchmark stays comparable. ``answer_matches(predicted, expected)`` scores a word answer.
``EXAMPLE_QUESTIONS`` lists question forms for menus and help texts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..stream.conditions import condition_question
from .synthetic import COLORS, SHAPES, Event, SyntheticVideo

CANNOT_ANSWER = "I can only answer questions about the shapes in the demo video."
NO_SHAPE = "no shape"
WORD_KINDS = (
    "what_now",
    "color_now",
    "shape_now",
    "start",
    "first_color",
    "count",
    "order",
    "yes_no_now",
    "yes_no_seen",
    "condition",
    "other",
    "follow_up",
)

NOW_WHAT = (
    "What is on the screen now?",
    "What is on the screen?",
    "What do you see now?",
    "What is shown now?",
)
START = (
    "What was there at the start?",
    "What was the first shape in the video?",
    "What appeared first?",
    "What was on the screen at the start?",
)
COUNT = (
    "How many shapes appeared in the video?",
    "How many shapes have you seen?",
    "How many shapes were there?",
)
OTHER_NOUNS = (
    "an invoice number",
    "a cat",
    "a dog",
    "a person",
    "a car",
    "an email",
    "a password",
    "a phone number",
    "a website",
    "a meeting",
    "a build error",
    "someone at the door",
    "a message",
    "a chart",
    "a face",
    "a tree",
    "a number",
    "a window",
    "a video call",
    "a price",
    "a map",
    "a bird",
    "a song",
    "a letter",
)
OTHER_QUESTIONS = (
    "What time is it?",
    "What does the email say?",
    "Summarize the meeting.",
    "Read the text on the screen.",
    "What is the weather like?",
    "Who is speaking?",
    "What program is open?",
    "What is the total amount?",
    "Translate this into French.",
    "What is the capital of France?",
    "Where is the mouse cursor?",
    "What is the name of the file?",
    "Write a poem.",
    "Which website was open?",
    "What did they say?",
    "Is the build passing?",
    "How do I fix this error?",
    "Hello!",
)
OTHER_TEMPLATES = (
    "Did you see {x}?",
    "Was there {x}?",
    "Is there {x} on the screen now?",
    "Where is {x}?",
    "When did {x} appear?",
    "Tell me about {x}.",
)

EXAMPLE_QUESTIONS = (
    "What is on the screen now?",
    "What color is the shape on the screen now?",
    "What shape is on the screen now?",
    "What was there at the start?",
    "How many shapes appeared in the video?",
    "Which appeared first, the red circle or the blue square?",
    "Is a red shape on the screen now?",
    "Did you see a green triangle?",
    "And before that?",
    "What color was the first shape that appeared in the video? Options: (A) red (B) green "
    "(C) blue (D) yellow. Answer with the option's letter.",
)


@dataclass(frozen=True)
class WordQuestion:
    kind: str
    text: str
    answer: str
    history: tuple[tuple[str, str], ...] = ()


def a(event: Event | None) -> str:
    return f"a {event.color} {event.shape}" if event else NO_SHAPE


def shapes(count: int) -> str:
    return f"{count} shape" if count == 1 else f"{count} shapes"


def on_screen(video: SyntheticVideo, index: int) -> Event | None:
    for event in video.events:
        if event.start <= index < event.start + event.length:
            return event
    return None


def answer_matches(predicted: str, expected: str) -> bool:
    """Case-, space- and final-full-stop-insensitive exact match."""

    def norm(text: str) -> str:
        return " ".join(text.lower().strip().rstrip(".!").split())

    return norm(predicted) == norm(expected)


def word_questions(
    video: SyntheticVideo, seed: int | None = None, cut: int | None = None, count: int = 6
) -> list[WordQuestion]:
    """``count`` word questions (distinct kinds when possible) about ``video.frames[:cut]``."""
    rng = np.random.default_rng((video.seed if seed is None else seed) * 7919 + 17)
    cut = len(video.frames) if cut is None else cut
    seen = [event for event in video.events if event.start < cut]
    if not seen:
        raise ValueError("the cut shows no shape yet")
    now = on_screen(video, cut - 1)
    makers = _makers(rng, seen, now)
    kinds = list(makers)
    rng.shuffle(kinds)
    weights = {"yes_no_now": 2, "condition": 2, "other": 1}
    pool = [kind for kind in kinds for _ in range(weights.get(kind, 1))]
    chosen: list[str] = []
    for kind in pool:
        if len(chosen) == count:
            break
        if kind not in chosen or kind in weights:
            chosen.append(kind)
    return [makers[kind]() for kind in chosen]


def _makers(rng: np.random.Generator, seen: list[Event], now: Event | None) -> dict:
    colors, first = list(COLORS), seen[0]

    def pick(options):
        return options[int(rng.integers(len(options)))]

    def what_now():
        return WordQuestion("what_now", pick(NOW_WHAT), a(now))

    def color_now():
        answer = now.color if now else NO_SHAPE
        return WordQuestion("color_now", "What color is the shape on the screen now?", answer)

    def shape_now():
        answer = f"a {now.shape}" if now else NO_SHAPE
        return WordQuestion("shape_now", "What shape is on the screen now?", answer)

    def start():
        return WordQuestion("start", pick(START), a(first))

    def first_color():
        text = "What color was the first shape that appeared in the video?"
        return WordQuestion("first_color", text, first.color)

    def how_many():
        return WordQuestion("count", pick(COUNT), shapes(len(seen)))

    def order():
        i, j = sorted(rng.choice(len(seen), 2, replace=False))
        pair = [seen[i].name, seen[j].name]
        rng.shuffle(pair)
        text = f"Which appeared first, the {pair[0]} or the {pair[1]}?"
        return WordQuestion("order", text, f"the {seen[i].name}")

    def _attribute(true_for: Event | None) -> tuple[str, bool]:
        """A colour, shape or named shape; true (about ``true_for``) half of the time."""
        style = int(rng.integers(3))
        if true_for is not None and rng.random() < 0.5:
            target = true_for
        else:
            target = Event(pick(SHAPES), pick(colors), 0, 1)
        phrase = (f"a {target.color} shape", f"a {target.shape}", f"the {target.name}")[style]
        if true_for is None:
            return phrase, False
        holds = (
            target.color == true_for.color,
            target.shape == true_for.shape,
            target.name == true_for.name,
        )[style]
        return phrase, holds

    def yes_no_now():
        phrase, holds = _attribute(now)
        forms = [f"Is {phrase} on the screen now?"]
        if not phrase.startswith("the "):
            forms.append(f"Is there {phrase} on the screen now?")
        return WordQuestion("yes_no_now", pick(forms), "yes" if holds else "no")

    def yes_no_seen():
        event = seen[int(rng.integers(len(seen)))] if rng.random() < 0.5 else None
        phrase, _ = _attribute(event)
        holds = any(_describes(phrase, e) for e in seen)
        text = pick((f"Did you see {phrase}?", f"Did {phrase} appear in the video?"))
        return WordQuestion("yes_no_seen", text, "yes" if holds else "no")

    def condition():
        if rng.random() < 0.15:
            body = pick(OTHER_NOUNS) + pick((" appears", " is on the screen"))
            return WordQuestion("condition", condition_question(pick(("when ", "")) + body), "no")
        phrase, holds = _attribute(now)
        body = f"{phrase} {pick(('appears', 'is on the screen', 'is visible'))}"
        text = condition_question(pick(("when ", "", "tell me when ")) + body)
        return WordQuestion("condition", text, "yes" if holds else "no")

    def other():
        if rng.random() < 0.5:
            text = pick(OTHER_QUESTIONS)
        else:
            text = pick(OTHER_TEMPLATES).format(x=pick(OTHER_NOUNS))
            text = text[0].upper() + text[1:]
        return WordQuestion("other", text, CANNOT_ANSWER)

    makers = {
        "what_now": what_now,
        "color_now": color_now,
        "shape_now": shape_now,
        "start": start,
        "first_color": first_color,
        "count": how_many,
        "yes_no_now": yes_no_now,
        "yes_no_seen": yes_no_seen,
        "condition": condition,
        "other": other,
    }
    if len(seen) >= 2:
        makers["order"] = order
    if now is not None or len(seen) >= 2:
        makers["follow_up"] = lambda: _follow_up(rng, seen, now, pick)
    return makers


def _describes(phrase: str, event: Event) -> bool:
    words = phrase.split()
    if words[-1] == "shape":
        return words[1] == event.color
    if len(words) == 2:
        return words[1] == event.shape
    return phrase.endswith(event.name)


def _follow_up(rng, seen: list[Event], now: Event | None, pick) -> WordQuestion:
    """Two turns: a question naming a shape, then "before/after that?" relative to it."""
    if now is not None and rng.random() < 0.6:
        index = seen.index(now)
        first = (pick(NOW_WHAT), a(now))
        text = pick(("And before that?", "What was before that?", "And what came before it?"))
        answer = a(seen[index - 1]) if index > 0 else "nothing, it was the first shape"
        return WordQuestion("follow_up", text, answer, (first,))
    first = (pick(START), a(seen[0]))
    text = pick(("And after that?", "What came after that?", "And what came next?"))
    answer = a(seen[1]) if len(seen) > 1 else "nothing, it was the only shape"
    return WordQuestion("follow_up", text, answer, (first,))
