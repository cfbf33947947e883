"""How the server asks an engine for one request: its own history, no memory of it afterwards.

Contract: ``ask(engine, question, options, stop, screen_text)`` streams the engine's answer with
the request's own history shown (inside ``engine.shown_history(history)``, for the
duration) and nothing remembered for other clients; ``evidence_times(engine, final)`` lists the
memory the final answer drew on as ``{"time", "frame", "weight"}`` dicts, heaviest first.
"""

from __future__ import annotations


def ask(engine, question: str, options, stop, screen_text=()):
    """The engine's answer stream; the request's own history is used, and nothing is remembered
    (each client's conversation is its own); ``screen_text`` is shown with the question."""
    if hasattr(engine, "conversation"):
        return engine.ask(
            question, options, stop, use_history=True, remember=False, screen_text=screen_text
        )
    return engine.ask(question, options, stop, screen_text=screen_text)


def evidence_times(engine, final) -> list[dict]:
    """The memory the answer drew on: ``{"time", "frame", "weight"}`` per entry, heaviest first
    (empty when the engine reports none)."""
    if final is None:
        return []
    times = getattr(final, "evidence", ()) or ()
    frames = getattr(final, "evidence_frames", ()) or ()
    weights = getattr(final, "evidence_weights", ()) or ()
    return [
        {
            "time": round(float(t), 3),
            "frame": int(frames[i]) if i < len(frames) else None,
            "weight": float(weights[i]) if i < len(weights) else None,
        }
        for i, t in enumerate(times)
    ]
