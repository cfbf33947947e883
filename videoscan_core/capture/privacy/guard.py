"""The per-frame privacy decision, made in the capture thread before a frame leaves the source.

Contract: ``PrivacyGuard.capture(area, grab)`` is called by a screen source instead of grabbing
directly. ``area`` is the captured rectangle in virtual-screen pixels (mss's dict: left, top,
width, height) and ``grab()`` returns that rectangle as RGB uint8 ``[H, W, 3]``. It returns
``Withheld(reason)`` - nothing is grabbed, or the grab is thrown away - when capture must pause:
a session reason (locked, idle, battery; see session.py), a focused window matching the pause
list, or a window list that cannot be read while exclusion or pause rules exist (exclusions
cannot be applied, so no unfiltered frame is sent). Otherwise it returns the frame with the
rectangle of every visible window matching the exclusion list filled with black, using the
window list read both before and after the grab (a window moving meanwhile is covered at both
places). Window rectangles are scaled to the frame's pixels (HiDPI). With no active rule the
frame passes through untouched and no window list is opened.

``set_rules`` swaps the rules atomically (any thread). ``status`` is the latest ``GuardStatus``
(read by the GUI): the pause reason ("" when capturing), a warning, and how many windows each
exclusion rule matched; ``report_source(reason)`` records a source's own reason for having no
frame (kind "source": a watched window minimised or closed). ``GUARD`` is the process's one guard;
screen and window sources use it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..withheld import Withheld
from .listers import make_lister
from .rules import PrivacyRules, matching, rule_matches
from .session import no_lock_check, session_pause_reason
from .windows import WindowInfo

LOCK_CHECK_INTERVAL_S = 2.0


@dataclass(frozen=True)
class GuardStatus:
    reason: str = ""  # why capture is paused ("" = capturing)
    kind: str = "privacy"  # "privacy" (rules) or "source" (a watched window minimised/closed)
    warning: str = ""  # e.g. the window list is unreadable
    excluded: int = 0  # windows blacked out on the last frame
    matches: dict = field(default_factory=dict)  # exclusion rule -> windows matched
    at: float = field(default_factory=time.monotonic)  # when the decision was made


def black_out(frame: np.ndarray, area: dict, rects: list[tuple[int, int, int, int]]) -> int:
    """Fill each screen rectangle (x, y, w, h) with black in ``frame`` [H, W, 3] (in place),
    scaled from ``area``'s coordinates to the frame's pixels; returns how many touched it."""
    height, width = frame.shape[:2]
    scale_x, scale_y = width / area["width"], height / area["height"]
    touched = 0
    for x, y, w, h in rects:
        left = max(0, math.floor((x - area["left"]) * scale_x))
        top = max(0, math.floor((y - area["top"]) * scale_y))
        right = min(width, math.ceil((x + w - area["left"]) * scale_x))
        bottom = min(height, math.ceil((y + h - area["top"]) * scale_y))
        if right > left and bottom > top:
            frame[top:bottom, left:right] = 0
            touched += 1
    return touched


class PrivacyGuard:
    def __init__(
        self,
        rules: PrivacyRules | None = None,
        lister_factory: Callable = make_lister,
        locked: Callable[[], bool] = no_lock_check,
    ) -> None:
        self._rules = rules or PrivacyRules()
        self._lister_factory = lister_factory
        self._locked_source = locked
        self._lister = None
        self._lister_thread: int | None = None
        self._locked = (0.0, False)
        self.status = GuardStatus()

    @property
    def rules(self) -> PrivacyRules:
        return self._rules

    def set_rules(self, rules: PrivacyRules) -> None:
        self._rules = rules

    def set_lock_check(self, locked: Callable[[], bool]) -> None:
        """The desktop's own lock check (the app's D-Bus call), asked every few seconds."""
        self._locked_source, self._locked = locked, (0.0, False)

    # -- helpers (capture thread) ---------------------------------------------------------
    def _get_lister(self):
        """The window lister of the calling thread (X connections are not shared)."""
        if self._lister is not None and self._lister_thread != threading.get_ident():
            self.close()
        if self._lister is None:
            self._lister = self._lister_factory()
            self._lister_thread = threading.get_ident()
        return self._lister

    def close(self) -> None:
        if self._lister is not None:
            try:
                self._lister.close()
            except Exception:  # the display went away
                pass
        self._lister = None

    def _is_locked(self) -> bool:
        checked_at, value = self._locked
        now = time.monotonic()
        if now - checked_at >= LOCK_CHECK_INTERVAL_S:
            value = bool(self._locked_source())
            self._locked = (now, value)
        return value

    def _pause_for_focus(self, rules: PrivacyRules, focused: WindowInfo | None) -> str:
        if focused is None:
            return ""
        for rule in rules.pause_apps:
            if rule_matches(rule, focused):
                return f"{focused.app or focused.title} is focused (pause rule '{rule}')"
        return ""

    def _withhold(self, reason: str, warning: str = "") -> Withheld:
        self.status = GuardStatus(reason=reason, warning=warning)
        return Withheld(reason)

    def report_source(self, reason: str) -> Withheld:
        """A source has no frame for a reason of its own (a watched window minimised)."""
        self.status = GuardStatus(reason=reason, kind="source")
        return Withheld(reason)

    # -- the decision ---------------------------------------------------------------------
    def capture(self, area: dict, grab: Callable[[], np.ndarray]) -> np.ndarray | Withheld:
        rules = self._rules
        if not rules.active:
            self.status = GuardStatus()
            return grab()
        lister, problem = None, ""
        try:
            lister = self._get_lister()
        except Exception as error:  # WindowListUnavailable, or a broken display
            problem = str(error)
        reason = session_pause_reason(rules, lister, locked=self._is_locked)
        if reason:
            return self._withhold(reason)
        if not rules.needs_window_list:
            self.status = GuardStatus()
            return grab()
        if lister is None:
            return self._unreadable(problem)
        try:
            before = lister.windows()
            reason = self._pause_for_focus(rules, lister.focused())
        except Exception as error:  # unreadable list, or a lister bug: fail closed
            return self._unreadable(str(error))
        if reason:
            return self._withhold(reason)
        frame = grab()  # a CaptureError here is the source's to report
        try:
            after = lister.windows()
            reason = self._pause_for_focus(rules, lister.focused())
        except Exception as error:
            return self._unreadable(str(error))
        if reason:
            return self._withhold(reason)
        excluded = [w for w in matching(rules.exclude, before + after) if not w.minimised]
        count = black_out(frame, area, list(dict.fromkeys(w.rect for w in excluded)))
        counts = {rule: sum(rule_matches(rule, w) for w in after) for rule in rules.exclude}
        self.status = GuardStatus(excluded=count, matches=counts)
        return frame

    def _unreadable(self, problem: str) -> Withheld:
        self.close()
        return self._withhold(
            "the window list cannot be read",
            f"Privacy exclusions are off because {problem}; capture is paused so that no "
            "unfiltered frame is sent.",
        )


GUARD = PrivacyGuard()
