"""The Windows window list through user32 (ctypes); untested here (no Windows machine).

Contract: as ``windows.WindowLister``. ``windows()`` enumerates visible top-level windows with
``EnumWindows`` (top to bottom, reversed to bottom-to-top), skipping tool windows and cloaked
UWP shells; the title comes from ``GetWindowTextW``, the app name from the owning process's
executable (psutil), the rectangle from ``DwmGetWindowAttribute(EXTENDED_FRAME_BOUNDS)`` (the
visible frame, without the invisible resize borders) or ``GetWindowRect``; ``minimised`` from
``IsIconic``. The process is made per-monitor DPI aware first so the rectangles are in the
physical pixels mss captures. ``focused()`` is ``GetForegroundWindow``.
"""

from __future__ import annotations

import ctypes
from ctypes import wintypes

from .windows import WindowInfo, WindowListUnavailable

GWL_EXSTYLE = -20
WS_EX_TOOLWINDOW = 0x00000080
DWMWA_EXTENDED_FRAME_BOUNDS = 9
DWMWA_CLOAKED = 14


class Win32Windows:
    def __init__(self) -> None:
        try:
            self._user32 = ctypes.windll.user32  # type: ignore[attr-defined]
            self._dwm = ctypes.windll.dwmapi  # type: ignore[attr-defined]
        except (AttributeError, OSError):
            raise WindowListUnavailable("the Windows window list (user32) is unavailable") from None
        try:
            self._user32.SetProcessDpiAwarenessContext(ctypes.c_void_p(-4))  # per monitor v2
        except (AttributeError, OSError):
            pass

    def close(self) -> None:
        pass

    def _app(self, hwnd: int) -> str:
        pid = wintypes.DWORD()
        self._user32.GetWindowThreadProcessId(hwnd, ctypes.byref(pid))
        try:
            import psutil

            return psutil.Process(pid.value).name().removesuffix(".exe")
        except Exception:  # AccessDenied, NoSuchProcess
            return ""

    def _rect(self, hwnd: int) -> tuple[int, int, int, int]:
        rect = wintypes.RECT()
        found = self._dwm.DwmGetWindowAttribute(
            hwnd, DWMWA_EXTENDED_FRAME_BOUNDS, ctypes.byref(rect), ctypes.sizeof(rect)
        )
        if found != 0:
            self._user32.GetWindowRect(hwnd, ctypes.byref(rect))
        return rect.left, rect.top, rect.right - rect.left, rect.bottom - rect.top

    def _info(self, hwnd: int) -> WindowInfo | None:
        if not self._user32.IsWindowVisible(hwnd):
            return None
        if self._user32.GetWindowLongW(hwnd, GWL_EXSTYLE) & WS_EX_TOOLWINDOW:
            return None
        cloaked = wintypes.DWORD()
        self._dwm.DwmGetWindowAttribute(
            hwnd, DWMWA_CLOAKED, ctypes.byref(cloaked), ctypes.sizeof(cloaked)
        )
        if cloaked.value:
            return None
        length = self._user32.GetWindowTextLengthW(hwnd)
        buffer = ctypes.create_unicode_buffer(length + 1)
        self._user32.GetWindowTextW(hwnd, buffer, length + 1)
        x, y, width, height = self._rect(hwnd)
        return WindowInfo(
            id=int(hwnd),
            title=buffer.value,
            app=self._app(hwnd),
            x=x,
            y=y,
            width=width,
            height=height,
            minimised=bool(self._user32.IsIconic(hwnd)),
        )

    def windows(self) -> list[WindowInfo]:
        handles: list[int] = []
        callback_type = ctypes.WINFUNCTYPE(  # type: ignore[attr-defined,unused-ignore]  # Windows
            wintypes.BOOL, wintypes.HWND, wintypes.LPARAM
        )

        def collect(hwnd, _param):
            handles.append(hwnd)
            return True

        if not self._user32.EnumWindows(callback_type(collect), 0):
            raise WindowListUnavailable("EnumWindows failed: windows cannot be listed")
        found = [self._info(hwnd) for hwnd in reversed(handles)]  # bottom to top
        return [info for info in found if info is not None]

    def window(self, window_id: int) -> WindowInfo | None:
        if not self._user32.IsWindow(window_id):
            return None
        info = self._info(window_id)
        if info is None and self._user32.IsIconic(window_id):
            return WindowInfo(window_id, "", self._app(window_id), 0, 0, 0, 0, minimised=True)
        return info

    def focused(self) -> WindowInfo | None:
        hwnd = self._user32.GetForegroundWindow()
        return self._info(hwnd) if hwnd else None

    def idle_seconds(self) -> float | None:
        class LastInput(ctypes.Structure):
            _fields_ = [("cbSize", wintypes.UINT), ("dwTime", wintypes.DWORD)]

        info = LastInput(ctypes.sizeof(LastInput), 0)
        if not self._user32.GetLastInputInfo(ctypes.byref(info)):
            return None
        now = ctypes.windll.kernel32.GetTickCount()  # type: ignore[attr-defined]
        return ((now - info.dwTime) & 0xFFFFFFFF) / 1000.0

    def screen_saver_active(self) -> bool:
        """True on the lock screen: the input desktop is then not the user's ("Default")."""
        desktop = self._user32.OpenInputDesktop(0, False, 0x0100)  # DESKTOP_SWITCHDESKTOP
        if not desktop:
            return True
        try:
            return not self._user32.SwitchDesktop(desktop)
        finally:
            self._user32.CloseDesktop(desktop)
