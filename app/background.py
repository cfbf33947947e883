"""Plain work off the GUI thread whose answer comes back on the GUI thread, safely.

Contract: ``run_in_background(owner, work, done, name)`` runs ``work()`` in a daemon thread
that never touches a Qt object; a timer owned by ``owner`` polls the answer every
``POLL_MS`` and calls ``done(result)`` on the GUI thread. When ``owner`` is deleted first (a
dialog closed, a window gone) its timer goes with it and ``done`` is never called: nothing
emits on a deleted object (a thread emitting a signal of a QObject the GUI thread had just
deleted crashed the interpreter). An exception in ``work`` is passed to ``done`` as the result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from PySide6.QtCore import QObject, QTimer

T = TypeVar("T")
POLL_MS = 50


def run_in_background(
    owner: QObject, work: Callable[[], T], done: Callable[[T | BaseException], None], name: str
) -> None:
    answer: Future[T] = Future()

    def thread_body() -> None:  # its own thread: no Qt here
        try:
            answer.set_result(work())
        except BaseException as error:  # noqa: BLE001 - handed to done() on the GUI thread
            answer.set_exception(error)

    timer = QTimer(owner)
    timer.setInterval(POLL_MS)

    def collect() -> None:
        if not answer.done():
            return
        timer.stop()
        timer.deleteLater()
        error = answer.exception()
        done(error if error is not None else answer.result())

    timer.timeout.connect(collect)
    timer.start()
    threading.Thread(target=thread_body, name=name, daemon=True).start()
