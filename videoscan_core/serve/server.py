"""Putting a server together: model, worker, live source, ASGI app and uvicorn.

Contract: ``check_host(host, api_key)`` refuses a non-loopback host without an API key and
``check_port(host, port)`` a port out of range or in use (``VideoScanError``, before a model
loads). ``VideoScanServer(model_id, model, ...)`` wires a ``ModelPool``, one
``EngineWorker``, an optional ``LiveSource`` feeding it (and its screen text, unless
``screen_text=False``), and the Starlette app; models a request names are loaded on the server's
``device``, ``dtype`` and ``frame_tokens``;
``start(port=0)`` serves in a background thread and returns the bound port (0 picks a free one),
``run(port)`` serves in the calling thread until Ctrl-C, and ``stop()`` shuts everything down
(waiting jobs get 503). With ``executor`` (the app) the worker answers on the app's own engine
(see ``worker.EngineWorker``) and ``videoscan-live`` is its live memory; it needs an
``api_key``. ``file://`` URLs in requests are accepted only on a loopback host.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from ..errors import VideoScanError
from ..limits import VIDEO_FRAME_TOKENS
from .app import DEFAULT_MAX_BODY, create_app
from .live import LiveSource, live_text
from .models import ModelPool
from .slow_clients import HEADER_TIMEOUT_S, header_timeout_protocol
from .worker import EngineWorker

log = logging.getLogger("videoscan.serve")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_host(host: str, api_key: str | None) -> None:
    if not is_loopback(host) and not api_key:
        raise VideoScanError(
            f"--host {host} lets other machines connect: give an --api-key (or use 127.0.0.1)"
        )


def listen_socket(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port``; a port in use or refused is one line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(128)
    except OSError as error:
        listener.close()
        raise VideoScanError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    return listener


def check_port(host: str, port: int) -> None:
    """Before a model load: the port is in range and free now (the server binds it again)."""
    if not 0 < port < 65536:
        raise VideoScanError(f"--port must be in 1-65535 (got {port})")
    listen_socket(host, port).close()


class VideoScanServer:
    def __init__(
        self,
        model_id: str,
        model,
        host: str = "127.0.0.1",
        api_key: str | None = None,
        source: str | None = None,
        memory: int = 64,
        fps: float = 1.0,
        speed: float = 1.0,
        max_body_bytes: int = DEFAULT_MAX_BODY,
        device: str | None = None,
        dtype: str | None = None,
        frame_tokens: int = VIDEO_FRAME_TOKENS,
        executor=None,
        screen_text: bool = True,
    ) -> None:
        check_host(host, api_key)
        if executor is not None and not api_key:  # the app's API: its answers see the screen
            raise VideoScanError("the API needs a key: open Settings and press OK to make one")
        self.host = host
        self.header_timeout_s = HEADER_TIMEOUT_S  # a request head must arrive within this
        live = source is not None or executor is not None
        self.pool = ModelPool(model_id, model, live, device, dtype, frame_tokens)
        self.worker = EngineWorker(self.pool, memory=memory, live=live, executor=executor)
        self.worker.frame_interval_s = 1.0 / fps
        self.text = live_text(source, screen_text) if source else None
        sink = self.text.tee(self.worker.submit_frame) if self.text else self.worker.submit_frame
        self.source = LiveSource(source, sink, fps=fps, speed=speed) if source else None
        self.worker.source, self.worker.screen_text = self.source, self.text
        loopback = is_loopback(host)
        self.app = create_app(
            self.worker, self.pool, api_key, max_body_bytes, allow_files=loopback, loopback=loopback
        )
        self._server: Any = None  # uvicorn.Server once started
        self._thread: threading.Thread | None = None

    def _uvicorn(self, port: int):
        import uvicorn

        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=port,
            log_level="warning",
            lifespan="off",
            http=header_timeout_protocol(self.header_timeout_s),
        )
        return uvicorn.Server(config)

    def _start_engine(self) -> None:
        self.worker.start()
        if self.text is not None:
            self.text.start()
        if self.source is not None:
            self.source.start()

    def start(self, port: int = 0, timeout: float = 30.0) -> int:
        """Serve in a background thread; returns the bound port."""
        self._start_engine()
        self._server = self._uvicorn(port)
        self._thread = threading.Thread(target=self._server.run, name="videoscan-http", daemon=True)
        self._thread.start()
        started = threading.Event()
        while not started.wait(0.02):
            if self._server.started:
                break
            if not self._thread.is_alive() or timeout <= 0:
                self.stop()
                raise VideoScanError(f"the server could not listen on {self.host}:{port}")
            timeout -= 0.02
        return self._server.servers[0].sockets[0].getsockname()[1]

    def run(self, port: int, on_listening: Callable[[int], None] | None = None) -> None:
        """Serve in this thread until interrupted. The socket listens before
        ``on_listening(port)`` is called, so a client told then can connect at once."""
        listener = listen_socket(self.host, port)
        self._start_engine()
        self._server = self._uvicorn(port)
        try:
            if on_listening is not None:
                on_listening(listener.getsockname()[1])
            self._server.run(sockets=[listener])
        finally:
            listener.close()
            self._stop_engine()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._stop_engine()

    def _stop_engine(self) -> None:
        if self.source is not None:
            self.source.stop()
        if self.text is not None:
            self.text.stop()
        self.worker.stop()
