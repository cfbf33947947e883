"""The OpenAI-compatible API inside the app (Settings: "Let programs on this computer ask
VideoScan"), answering from the app's own live memory.

Contract: ``ApiBridge(run_on_engine, screen_text, on_error, parent)`` starts
``videoscan_core.serve.VideoScanServer`` on 127.0.0.1 at ``settings.api_port`` with
``settings.api_key`` when ``apply(settings)`` sees ``api_server`` on, and stops it when off (or on
``shutdown()``). Every request runs in the app's engine worker thread through ``run_on_engine``
(the worker's: one engine, one thread: the stream and the chat are never disturbed; the GUI
thread never waits on it). ``address`` is the base URL while it runs. Its screen-text search uses
``screen_text`` (``ScreenText``). A port in use is one line through ``on_error`` (the window's
banner); the app keeps running.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from .screen_text import ScreenText

log = logging.getLogger("videoscan")


class ApiBridge(QObject):
    def __init__(
        self,
        run_on_engine: Callable,
        screen_text: ScreenText | None,
        on_error: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.run_on_engine = run_on_engine
        self.screen_text = screen_text
        self.on_error = on_error
        self.server = None
        self.address = ""
        self._running_with: tuple | None = None

    def apply(self, settings) -> None:
        wanted = (settings.api_port, settings.api_key) if settings.api_server else None
        if wanted == self._running_with:
            return
        self.shutdown()
        if wanted is None:
            return
        try:
            from videoscan_core.serve.server import VideoScanServer

            self.server = VideoScanServer(
                settings.model or "videoscan-app",
                None,
                api_key=settings.api_key or None,
                memory=settings.memory_size,
                executor=self.run_on_engine,
            )
            self.server.worker.screen_text = self.screen_text
            port = self.server.start(settings.api_port)
        except Exception as error:  # missing packages, a port in use: say it, keep running
            self.server = None
            self.on_error(f"The API for other programs could not start: {error}")
            return
        self._running_with = wanted
        self.address = f"http://127.0.0.1:{port}/v1"
        log.info("API for programs on this computer at %s", self.address)

    def shutdown(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.server, self.address, self._running_with = None, "", None
