"""When the first source may start: a video waits for the model and for the welcome to be read.

Contract: plain Python. ``hold(source, waits)`` keeps ``source`` until every reason in
``waits`` ("model", "welcome") was ``release``d; ``release(reason)`` returns the source when it
was the last reason (else None). ``cancel()`` drops the held source (a source
chosen by hand). ``source`` and ``waits`` show what is held and why. ``plan_start`` decides
what the window loads and watches first (``StartPlan``).
"""

from __future__ import annotations

from dataclasses import dataclass


class StartGate:
    def __init__(self) -> None:
        self.source: str | None = None
        self.waits: set[str] = set()

    def hold(self, source: str, waits: set[str]) -> None:
        self.source, self.waits = source, set(waits)

    def release(self, reason: str) -> str | None:
        self.waits.discard(reason)
        if self.source is not None and not self.waits:
            source, self.source = self.source, None
            return source
        return None

    def cancel(self) -> None:
        self.source, self.waits = None, set()


DEMO_NOTE = (
    "No model chosen yet: this is the small demo model, trained on synthetic shapes, watching "
    "{watching}. Try Examples, or pick a real model in Models (Ctrl+M)."
)
NO_MODEL = (
    "No model chosen: open Models (Ctrl+M) and pick a model folder or a downloaded model."
)


@dataclass(frozen=True)
class StartPlan:
    model: str  # "" when there is none to load
    source: str
    waits: frozenset[str]  # what the source waits for before it starts
    note: str = ""  # calm information for the banner
    problem: str = ""  # what is missing, for the banner


def plan_start(
    model: str, source: str, demo_model: bool, explicit_source: bool, first_run: bool
) -> StartPlan:
    """What to load and watch at start: the saved model, or the demo model (on a demo video
    unless a source was given for this run); a video waits for the model, a first run for the
    welcome to be read."""
    note = problem = ""
    if not model and demo_model:
        from videoscan_core.paths import DEMO_MODEL_ID

        model, watching = DEMO_MODEL_ID, "the source you chose"
        if not explicit_source:
            source, watching = "demo:1", "a demo video"
        note = DEMO_NOTE.format(watching=watching)
    elif not model:
        problem = NO_MODEL
    waits = {"welcome"} if first_run else set()
    if model and source.startswith(("file:", "demo:")):
        waits.add("model")  # a video plays once the model can watch it; live sources start now
    return StartPlan(model, source, frozenset(waits), note, problem)
