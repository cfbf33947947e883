"""run_in_background: the answer comes on the GUI thread, or never once its owner is gone."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThread

from app.background import run_in_background


def test_the_answer_comes_on_the_gui_thread(qtbot):
    owner = QObject()
    got = []
    run_in_background(
        owner, lambda: 41 + 1, lambda r: got.append((r, QThread.currentThread())), "t"
    )
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == [(42, owner.thread())]


def test_an_exception_is_the_answer(qtbot):
    owner = QObject()
    got = []

    def fail():
        raise OSError("no camera")

    run_in_background(owner, fail, got.append, "t")
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert isinstance(got[0], OSError) and str(got[0]) == "no camera"


def test_an_owner_deleted_first_gets_nothing_and_nothing_crashes(qtbot):
    owner = QObject()
    release, finished, got = threading.Event(), threading.Event(), []

    def work():
        release.wait(10)
        finished.set()
        return 1

    run_in_background(owner, work, got.append, "t")
    owner.deleteLater()
    qtbot.waitUntil(lambda: not _alive(owner), timeout=5000)
    release.set()
    assert finished.wait(10)
    probe = QObject()  # a later answer proves the event loop turned after the work ended
    seen = []
    run_in_background(probe, lambda: 2, seen.append, "t")
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert got == []


def _alive(obj) -> bool:
    from shiboken6 import isValid

    return isValid(obj)
