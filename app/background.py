"""Plain work off the GUI thread whose answer comes back on the GUI thread, safely.

Contract: ``run_in_background(owner, work, done, name)`` runs ``work()`` in a daemon thread
that never touches a Qt object; single-shot timers with ``owner`` as their context poll the
answer every ``POLL_MS`` and call ``done(result)`` on the GUI thread. When ``owner`` is deleted
first (a dialog closed, a window gone) no poll runs and ``done`` is never called: nothing emits
on a deleted object (a thread emitting a signal of a QObject the GUI thread had just deleted
crashed the interpreter). No timer object is kept: one that deleted itself from its own slot,
whose closure held it, crashed the interpreter once in a few dozen runs. An exception in
``work`` is passed to ``done`` as the result.
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

    def collect() -> None:  # on the GUI thread, only while the owner lives
        if not answer.done():
            QTimer.singleShot(POLL_MS, owner, collect)
            return
        error = answer.exception()
        done(error if error is not None else answer.result())

    QTimer.singleShot(POLL_MS, owner, collect)
    threading.Thread(target=thread_body, name=name, daemon=True).start()
