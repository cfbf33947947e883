"""The macOS window list through Quartz (pyobjc); untested here (no Mac).

Contract: as ``windows.WindowLister``. ``windows()`` reads ``CGWindowListCopyWindowInfo`` for
on-screen windows of layer 0 (normal app windows; menus, the Dock and overlays are left out),
front to back, reversed to bottom-to-top. Titles (``kCGWindowName``) need the Screen Recording
permission, which capture needs anyway; without it titles are empty and only app-name rules
(``kCGWindowOwnerName``) match. Bounds are in points; the guard scales them to the captured
pixels. ``focused()`` is the frontmost window of the frontmost application (NSWorkspace).
Without pyobjc (``pyobjc-framework-Quartz``) the list is unavailable and capture pauses.
"""

from __future__ import annotations

from .windows import WindowInfo, WindowListUnavailable


class QuartzWindows:
    def __init__(self) -> None:
        try:
            import Quartz
        except ImportError:
            raise WindowListUnavailable(
                "pyobjc-framework-Quartz is missing: windows cannot be listed"
            ) from None
        self._quartz = Quartz

    def close(self) -> None:
        pass

    def _entries(self, options) -> list[dict]:
        q = self._quartz
        entries = q.CGWindowListCopyWindowInfo(options, q.kCGNullWindowID)
        if entries is None:
            raise WindowListUnavailable("macOS refused the window list")
        return [dict(entry) for entry in entries]

    def _info(self, entry: dict, minimised: bool = False) -> WindowInfo | None:
        if entry.get("kCGWindowLayer", 0) != 0:
            return None
        bounds = entry.get("kCGWindowBounds") or {}
        return WindowInfo(
            id=int(entry.get("kCGWindowNumber", 0)),
            title=str(entry.get("kCGWindowName") or ""),
            app=str(entry.get("kCGWindowOwnerName") or ""),
            x=int(bounds.get("X", 0)),
            y=int(bounds.get("Y", 0)),
            width=int(bounds.get("Width", 0)),
            height=int(bounds.get("Height", 0)),
            minimised=minimised,
        )

    def windows(self) -> list[WindowInfo]:
        q = self._quartz
        on_screen = self._entries(
            q.kCGWindowListOptionOnScreenOnly | q.kCGWindowListExcludeDesktopElements
        )
        visible = {int(entry.get("kCGWindowNumber", 0)) for entry in on_screen}
        every = self._entries(q.kCGWindowListOptionAll | q.kCGWindowListExcludeDesktopElements)
        found = [
            self._info(entry, int(entry.get("kCGWindowNumber", 0)) not in visible)
            for entry in reversed(every)
        ]
        return [info for info in found if info is not None]

    def window(self, window_id: int) -> WindowInfo | None:
        return next((w for w in self.windows() if w.id == window_id), None)

    def focused(self) -> WindowInfo | None:
        try:
            from AppKit import NSWorkspace
        except ImportError:
            return None
        app = NSWorkspace.sharedWorkspace().frontmostApplication()
        if app is None:
            return None
        pid = int(app.processIdentifier())
        q = self._quartz
        for entry in self._entries(q.kCGWindowListOptionOnScreenOnly):  # front to back
            if int(entry.get("kCGWindowOwnerPID", -1)) == pid:
                info = self._info(entry)
                if info is not None:
                    return info
        return WindowInfo(0, "", str(app.localizedName() or ""), 0, 0, 0, 0)

    def idle_seconds(self) -> float | None:
        q = self._quartz
        return float(
            q.CGEventSourceSecondsSinceLastEventType(
                q.kCGEventSourceStateCombinedSessionState, q.kCGAnyInputEventType
            )
        )

    def screen_saver_active(self) -> bool:
        session = self._quartz.CGSessionCopyCurrentDictionary() or {}
        return bool(session.get("CGSSessionScreenIsLocked", False))
