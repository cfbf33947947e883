"""How the server asks an engine for one request: its own history, no memory of it afterwards.

Contract: ``ask(engine, question, options, stop, screen_text)`` streams the engine's answer with
the request's own history shown (inside ``engine.shown_history(history)``, for the
duration) and nothing remembered for other clients; ``evidence_times(final)`` lists the
memory the final answer drew on as ``{"time", "frame", "weight"}`` dicts, heaviest first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from ..config import GenerationOptions
from ..events import AnswerChunk, SeenText
from ..stream.engine_like import EngineLike


def ask(
    engine: EngineLike,
    question: str,
    options: GenerationOptions,
    stop: Callable[[], bool],
    screen_text: Sequence[SeenText] = (),
) -> Iterator[AnswerChunk]:
    """The engine's answer stream; the request's own history is used, and nothing is remembered
    (each client's conversation is its own); ``screen_text`` is shown with the question."""
    return engine.ask(
        question, options, stop, use_history=True, remember=False, screen_text=screen_text
    )


def evidence_times(final: AnswerChunk | None) -> list[dict]:
    """The memory the answer drew on: ``{"time", "frame", "weight"}`` per entry, heaviest first
    (empty when the engine reports none)."""
    if final is None:
        return []
    frames, weights = final.evidence_frames, final.evidence_weights
    return [
        {
            "time": round(float(t), 3),
            "frame": int(frames[i]) if i < len(frames) else None,
            "weight": float(weights[i]) if i < len(weights) else None,
        }
        for i, t in enumerate(final.evidence)
    ]
