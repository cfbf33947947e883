"""SIGINT and SIGTERM quit through the same path as closing the window.

Contract: ``QuitSignals(app, window).install()`` (GUI thread, once the window exists) routes
SIGINT (Ctrl-C in the launching terminal) and SIGTERM (``kill``, logout) into the Qt event loop
through ``signal.set_wakeup_fd`` and a ``QSocketNotifier``, so they are handled even while Qt runs
C++ code, and never as a ``KeyboardInterrupt`` traceback from whatever slot was running.

A signal never waits on a question (a logout or a service stop would hang on it): answers that
were not exported are saved to the recovery folder (``quit_guard.save_unexported``, said in the
log), a scripted run's report says ``error: "interrupted"``, and the window shuts down with its
bounded waits. The app then exits with ``128 + signal number`` (130 for Ctrl-C, 143 for
SIGTERM). ``uninstall()`` restores the previous handlers.

``finish(code, window)`` runs after the event loop: when a thread still runs after the window's
bounded waits (a model load cannot be interrupted), Python destroying its QThread would make Qt
abort ("QThread: Destroyed while thread is still running", exit 134), so the process ends at
once with ``code`` instead, after flushing the logs.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QObject, QSocketNotifier, QThread, Slot

log = logging.getLogger("videoscan")
HANDLED = (signal.SIGINT, signal.SIGTERM)


class SignalledWindow(Protocol):
    """What the signals use of the window (``MainWindow``; it is also their Qt parent)."""

    def quit_on_signal(self, first: bool) -> None:
        """Keep what was not exported (``first``), then shut down; asks nothing."""

    def threads(self) -> list[QThread]:
        """Every thread the window started (worker, transcription, downloads)."""


class QuitSignals(QObject):
    def __init__(
        self, app, window: SignalledWindow, exit: Callable[[int], None] | None = None
    ) -> None:
        super().__init__(window)
        self.app = app
        self.window = window
        self.exit = exit or app.exit
        self.received: list[int] = []
        self._previous: dict[int, object] = {}
        self._previous_fd = -1
        self._reader: socket.socket | None = None
        self._writer: socket.socket | None = None
        self._notifier: QSocketNotifier | None = None

    def install(self) -> QuitSignals:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        for number in HANDLED:
            # the C-level handler writes the number to the wakeup fd; Python's part does nothing
            self._previous[number] = signal.signal(number, lambda *_: None)
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_readable)
        log.debug("SIGINT and SIGTERM quit through the window")
        return self

    def uninstall(self) -> None:
        if self._notifier is None:
            return
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._reader.close()
        self._writer.close()
        self._notifier = None

    @Slot()
    def _on_readable(self) -> None:
        try:
            data = self._reader.recv(64)
        except BlockingIOError:
            return
        for number in data:
            self.handle(number)

    def handle(self, number: int) -> None:
        """Quit now, asking nothing (see the module docstring)."""
        self.received.append(number)
        name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else ""
        log.info("%s received: quitting", name or f"signal {number}")
        self.window.quit_on_signal(first=len(self.received) == 1)  # bounded waits
        self.exit(128 + number)


def finish(code: int, window: SignalledWindow) -> int:
    """``code``, or the process ends now when a thread outlived the shutdown (see above)."""
    running = [thread for thread in window.threads() if thread.isRunning()]
    if not running:
        return code
    names = ", ".join(thread.objectName() or type(thread).__name__ for thread in running)
    log.warning("quitting while %s still runs", names)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
