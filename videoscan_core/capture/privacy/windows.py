"""One interface to the desktop's window list, whatever the platform.

Contract: ``WindowInfo`` is one visible top-level window: its id, title, application name, and
rectangle in virtual-screen pixels (the coordinates mss captures in), plus ``minimised``.
A ``WindowLister`` has ``windows()`` (visible and minimised top-level windows, bottom to top
when the platform says so), ``focused()`` (the window with the keyboard focus, or None),
``window(id)`` (one window, minimised included, None once it is closed) and ``close()``;
both raise ``WindowListUnavailable`` (with a sentence for people) when the list cannot be read,
so callers can refuse to send unfiltered frames. ``listers.make_lister()`` picks the
implementation. A Wayland session without XWayland has no readable window list.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Protocol


class WindowListUnavailable(Exception):
    """The window list cannot be read; the message says why, for people."""


@dataclass(frozen=True)
class WindowInfo:
    id: int
    title: str
    app: str
    x: int
    y: int
    width: int
    height: int
    minimised: bool = False

    @property
    def rect(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.width, self.height)

    @property
    def label(self) -> str:
        title = self.title or "(untitled)"
        return f"{title} [{self.app}]" if self.app else title


class WindowLister(Protocol):
    def windows(self) -> list[WindowInfo]: ...

    def focused(self) -> WindowInfo | None: ...

    def window(self, window_id: int) -> WindowInfo | None: ...

    def close(self) -> None: ...


def wayland_without_x() -> bool:
    """A Wayland session where X11 clients (and so mss and the window list) cannot connect."""
    return (
        sys.platform.startswith("linux")
        and bool(os.environ.get("WAYLAND_DISPLAY"))
        and not os.environ.get("DISPLAY")
    )
