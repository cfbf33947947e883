"""What the "Watching" indicator says, from what is really happening.

Contract: ``WatchState`` is plain data the window updates from capture and worker signals
(``capturing``: a source is open and delivering frames; ``paused``; ``model_ready``: a model is
loaded to remember frames; ``ended``: a video reached its end; ``withheld``: why the open source
gives no frames now, "privacy" (a pause rule) or "source" (a followed window minimised or
closed), "" when it does). ``indicator()`` names the state to show: "recording" only when frames
are captured and remembered; "nomodel" when frames are captured but no model remembers them;
"paused" (the user's choice, shown first), "ended", "privacy", "withheld" or "idle" otherwise.
Qt-free.
"""

from __future__ import annotations

from dataclasses import dataclass

INDICATOR_TEXT = {
    "recording": "<span style='color:#d32f2f'>●</span> Watching",
    "nomodel": "○ Not remembering (no model)",
    "paused": "❚❚ Paused",
    "idle": "○ Not watching",
    "ended": "■ Video ended",
    "privacy": "❚❚ Paused",  # (the privacy label next to it says why)
    "withheld": "○ No frames",
}


@dataclass
class WatchState:
    capturing: bool = False
    paused: bool = False
    model_ready: bool = False
    ended: bool = False
    withheld: str = ""  # "privacy" or "source": the open source gives no frames now

    def indicator(self) -> str:
        if self.paused:
            return "paused"
        if self.ended:
            return "ended"
        if not self.capturing:
            return "idle"
        if self.withheld:
            return "privacy" if self.withheld == "privacy" else "withheld"
        return "recording" if self.model_ready else "nomodel"
