"""What a source's ``read`` returns when privacy rules pause capture: no frame this tick."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Withheld:
    """No frame this tick, and why (for the toolbar and tray)."""

    reason: str
