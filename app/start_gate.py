"""When the first source may start: a video waits for the model and for the welcome to be read.

Contract: plain Python. ``hold(source, waits)`` keeps ``source`` until every reason in
``waits`` ("model", "welcome") was ``release``d; ``release(reason)`` returns the source when it
was the last reason (else None). ``cancel()`` drops the held source (a failed model, a source
chosen by hand). ``source`` and ``waits`` show what is held and why.
"""

from __future__ import annotations


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
