"""The OpenAI-compatible API inside the app (Settings: "Let programs on this computer ask
VideoScan"), answering from the app's own live memory.

Contract: ``ApiBridge(window)`` starts ``videoscan_core.serve.VideoScanServer`` on 127.0.0.1 at
``settings.api_port`` with ``settings.api_key`` when ``apply(settings)`` sees ``api_server`` on,
and stops it when off (or on ``shutdown()``). Every request runs in the app's engine worker
thread through ``worker.run_on_engine`` (one engine, one thread: the stream and the chat are never
disturbed; the GUI thread never waits on it). ``address`` is the base URL while it runs. A port in
use is one line in the banner; the app keeps running.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject

log = logging.getLogger("videoscan")


class ApiBridge(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
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
                executor=self.window.worker.run_on_engine,
            )
            self.server.worker.screen_text = getattr(self.window, "screen_text", None)
            port = self.server.start(settings.api_port)
        except Exception as error:  # missing packages, a port in use: say it, keep running
            self.server = None
            self.window.show_error(f"The API for other programs could not start: {error}")
            return
        self._running_with = wanted
        self.address = f"http://127.0.0.1:{port}/v1"
        log.info("API for programs on this computer at %s", self.address)

    def shutdown(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.server, self.address, self._running_with = None, "", None
