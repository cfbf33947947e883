"""What the "Watching" indicator says, from what is really happening.

Contract: ``WatchState`` is plain data the window updates from capture and worker signals
(``capturing``: a source is open and delivering frames; ``paused``; ``model_ready``: a model is
loaded to remember frames; ``ended``: a video reached its end). ``indicator()`` names the state
to show: "recording" only when frames are captured and remembered; "nomodel" when frames are
captured but no model remembers them; "paused" (the user's choice, shown first), "ended" or
"idle" otherwise. Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass

INDICATOR_TEXT = {
    "recording": "<span style='color:#d32f2f'>●</span> Watching",
    "nomodel": "○ Not remembering (no model)",
    "paused": "❚❚ Paused",
    "idle": "○ Not watching",
    "ended": "■ Video ended",
}


@dataclass
class WatchState:
    capturing: bool = False
    paused: bool = False
    model_ready: bool = False
    ended: bool = False

    def indicator(self) -> str:
        if self.paused:
            return "paused"
        if self.ended:
            return "ended"
        if not self.capturing:
            return "idle"
        return "recording" if self.model_ready else "nomodel"
