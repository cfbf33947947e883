"""The X11 window list through python-xlib (no xprop/wmctrl processes).

Contract: ``X11Windows()`` connects to ``$DISPLAY`` (``WindowListUnavailable`` when it cannot).
``windows()`` reads the window manager's EWMH ``_NET_CLIENT_LIST_STACKING`` (or
``_NET_CLIENT_LIST``). Without EWMH - a bare X server such as Xvfb, which has no window manager -
it falls back to ``XQueryTree`` on the root: its mapped children are the top-level windows (no
manager reparents them), bottom to top. If that finds no named window either (a non-EWMH
manager that reparents clients into unnamed frames), the list counts as unreadable and
``WindowListUnavailable`` is raised, so exclusions cannot silently fail open. Titles come from
``_NET_WM_NAME`` (UTF-8) or ``WM_NAME``, the app name from ``WM_CLASS`` (its class part), the
rectangle from the window's geometry translated to root coordinates, grown by the manager's
``_NET_FRAME_EXTENTS`` (the title bar shows the title too). A window that vanishes
while it is read is skipped. ``focused()`` uses ``_NET_ACTIVE_WINDOW``, else the input focus
walked up to its top-level window. Use one instance from one thread.
"""

from __future__ import annotations

from .windows import WindowInfo, WindowListUnavailable


class X11Windows:
    def __init__(self) -> None:
        try:
            from Xlib import X, display, error
        except ImportError:
            raise WindowListUnavailable(
                "the python-xlib package is missing: windows cannot be listed"
            ) from None
        self._X, self._errors = X, (error.XError, error.BadWindow, error.BadDrawable)
        try:
            self._display = display.Display()
        except Exception as problem:  # DisplayError, ConnectionError
            raise WindowListUnavailable(f"cannot open the X display: {problem}") from None
        self._root = self._display.screen().root
        atom = self._display.intern_atom
        self._atoms = {
            name: atom(name)
            for name in (
                "_NET_CLIENT_LIST_STACKING",
                "_NET_CLIENT_LIST",
                "_NET_ACTIVE_WINDOW",
                "_NET_WM_NAME",
                "_NET_WM_STATE",
                "_NET_WM_STATE_HIDDEN",
                "_NET_FRAME_EXTENTS",
                "UTF8_STRING",
                "WM_STATE",
            )
        }

    def close(self) -> None:
        self._display.close()

    # -- reading --------------------------------------------------------------------------
    def _ids_from_ewmh(self) -> list[int] | None:
        for name in ("_NET_CLIENT_LIST_STACKING", "_NET_CLIENT_LIST"):
            prop = self._root.get_full_property(self._atoms[name], self._X.AnyPropertyType)
            if prop is not None:
                return [int(value) for value in prop.value]
        return None

    def _window(self, window_id: int):
        return self._display.create_resource_object("window", window_id)

    def _title(self, window) -> str:
        prop = window.get_full_property(self._atoms["_NET_WM_NAME"], self._atoms["UTF8_STRING"])
        if prop is not None and prop.value:
            value = prop.value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        name = window.get_wm_name()
        if isinstance(name, bytes):
            return name.decode("latin-1")
        return name or ""

    def _info(self, window, from_ewmh: bool) -> WindowInfo | None:
        try:
            attributes = window.get_attributes()
            hidden = attributes.map_state != self._X.IsViewable
            if hidden and not from_ewmh:
                return None  # unmapped helper windows of every toolkit
            title = self._title(window)
            wm_class = window.get_wm_class()
            geometry = window.get_geometry()
            origin = self._root.translate_coords(window, 0, 0)
            state = window.get_full_property(self._atoms["_NET_WM_STATE"], self._X.AnyPropertyType)
            frame = window.get_full_property(
                self._atoms["_NET_FRAME_EXTENTS"], self._X.AnyPropertyType
            )
        except self._errors:
            return None  # closed while we were reading it
        if state is not None and self._atoms["_NET_WM_STATE_HIDDEN"] in list(state.value):
            hidden = True
        left = right = top = bottom = 0
        if frame is not None and len(frame.value) == 4:  # the title bar shows the title too
            left, right, top, bottom = (int(v) for v in frame.value)
        return WindowInfo(
            id=int(window.id),
            title=title,
            app=wm_class[1] if wm_class else "",
            x=int(origin.x) - left,
            y=int(origin.y) - top,
            width=int(geometry.width) + left + right,
            height=int(geometry.height) + top + bottom,
            minimised=hidden,
        )

    def windows(self) -> list[WindowInfo]:
        try:
            ids = self._ids_from_ewmh()
            if ids is not None:
                found = [self._info(self._window(i), True) for i in ids]
                return [info for info in found if info is not None]
            children = self._root.query_tree().children  # bottom to top
        except self._errors as problem:
            raise WindowListUnavailable(f"the X window list cannot be read: {problem}") from None
        found = [self._info(child, False) for child in children]
        windows = [info for info in found if info is not None]
        if windows and not any(info.title for info in windows):
            raise WindowListUnavailable(
                "the window manager publishes no window list (EWMH) and its windows have no "
                "names: exclusions cannot be applied"
            )
        return windows

    def window(self, window_id: int) -> WindowInfo | None:
        """One window by id, minimised (unmapped) ones included; None once it is destroyed."""
        return self._info(self._window(window_id), True)

    def focused(self) -> WindowInfo | None:
        try:
            prop = self._root.get_full_property(
                self._atoms["_NET_ACTIVE_WINDOW"], self._X.AnyPropertyType
            )
            if prop is not None and prop.value and int(prop.value[0]):
                return self._info(self._window(int(prop.value[0])), True)
            window = self._display.get_input_focus().focus
            if isinstance(window, int) or window is None or window.id == self._root.id:
                return None  # PointerRoot / None / the root itself: no window is focused
            while True:  # walk up to the root's child: the top-level window
                parent = window.query_tree().parent
                if isinstance(parent, int) or parent is None or parent.id == self._root.id:
                    break
                window = parent
            return self._info(window, False)
        except self._errors as problem:
            raise WindowListUnavailable(f"the focused window cannot be read: {problem}") from None

    # -- session (used by session.py) --------------------------------------------------------
    def idle_seconds(self) -> float | None:
        """Seconds since the last keyboard or mouse input (MIT-SCREEN-SAVER), or None."""
        if not self._display.has_extension("MIT-SCREEN-SAVER"):
            return None
        try:
            return self._root.screensaver_query_info().idle / 1000.0
        except self._errors:
            return None

    def screen_saver_active(self) -> bool:
        if not self._display.has_extension("MIT-SCREEN-SAVER"):
            return False
        try:
            return self._root.screensaver_query_info().state == 1  # ScreenSaverOn
        except self._errors:
            return False
