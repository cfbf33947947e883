"""Alerts in the app: conditions checked after every processed frame, shown as tray messages and
chat entries, kept in a JSON file.

Contract: ``AlertsController(path, every)`` owns a core ``AlertWatcher`` loaded from ``path``;
``attach(worker)`` adds a frame hook that the engine worker runs in its own thread after each
processed frame (one rolled-back yes/no prefill per enabled condition), and ``sig_alert(Alert)``
is emitted from there (queued to GUI receivers). ``add`` / ``update`` / ``remove`` /
``set_paused`` / ``set_every`` may be called from the GUI thread (the watcher is locked) and
save the file at once (pause and "every k frames" are kept with the conditions);
``sig_changed`` follows every change. ``sig_slow(str)`` says once (until it recovers) that
checking the conditions takes longer than ``interval_s``, the time between frames.
``load_alerts(worker, fps, parent)`` builds it from the config folder's alerts.json and attaches
it to the worker. ``AlertPresenter(tray, answers)`` shows an alert as a tray message and a chat
entry (through the ``AnswerRouter``) with its time and frame (the evidence link); the window
shows slow checking as a banner line.
The GUI thread never scores anything.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from videoscan_core.stream.alerts import (
    Alert,
    AlertWatcher,
    Condition,
    load_conditions,
    load_extra,
    save_conditions,
)

if TYPE_CHECKING:
    from ..engine.answer_router import AnswerRouter
    from ..engine.worker import EngineWorker
    from ..window.tray import WatchTray

log = logging.getLogger("videoscan")

ALERTS_FILE = "alerts.json"


class AlertsController(QObject):
    sig_alert = Signal(object)  # Alert
    sig_changed = Signal()
    sig_slow = Signal(str)  # checking is slower than the frames (one line for people)
    interval_s = 1.0  # time between frames (the window sets it from its FPS)
    _slow = False

    def __init__(self, path: str | Path, every: int = 1, parent=None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        try:
            conditions = load_conditions(self.path)
        except ValueError as error:  # a damaged file: start empty, keep the file for the user
            log.warning("%s", error)
            conditions = []
        extra = load_extra(self.path)
        every = extra.get("every", every)
        if not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= 100:
            every = 1
        self.watcher = AlertWatcher(conditions, every=every)
        self.watcher.paused = extra.get("paused") is True

    def attach(self, worker: EngineWorker) -> None:
        worker.frame_hooks.append(self._on_frame)

    def _on_frame(self, engine, event) -> None:  # the worker's thread
        for alert in self.watcher.after_frame(engine, event):
            self.sig_alert.emit(alert)
        warning = self.watcher.slow_warning(self.interval_s)
        if warning and not self._slow:
            self.sig_slow.emit(warning)
        self._slow = warning is not None

    # -- editing (GUI thread) ----------------------------------------------------------------
    def conditions(self) -> list[Condition]:
        return self.watcher.conditions()

    def add(self, text: str) -> Condition:
        condition = self.watcher.add(Condition(text.strip()))
        self._save()
        return condition

    def update(self, condition_id: str, **changes) -> Condition:
        condition = self.watcher.update(condition_id, **changes)
        self._save()
        return condition

    def remove(self, condition_id: str) -> None:
        self.watcher.remove(condition_id)
        self._save()

    @property
    def paused(self) -> bool:
        return self.watcher.paused

    def set_paused(self, paused: bool) -> None:
        self.watcher.paused = paused
        self._save()

    @property
    def every(self) -> int:
        return self.watcher.every

    def set_every(self, every: int) -> None:
        """Check the conditions every ``every`` processed frames (1-100)."""
        self.watcher.every = max(1, min(100, int(every)))
        self._save()

    def _save(self) -> None:
        watcher = self.watcher
        try:
            save_conditions(
                self.path, watcher.conditions(), every=watcher.every, paused=watcher.paused
            )
        except OSError as error:
            log.warning("could not save alerts to %s: %s", self.path, error)
        self.sig_changed.emit()


class AlertPresenter(QObject):
    """Shows alerts: a tray message and a chat entry (negative ids never meet answer ids)."""

    def __init__(self, tray: WatchTray, answers: AnswerRouter, parent: QObject | None = None):
        super().__init__(parent)
        self.tray = tray
        self.answers = answers
        self._next_id = -1

    @Slot(object)
    def show(self, alert: Alert) -> None:
        from ..models.conversation import stream_clock

        when = stream_clock(alert.time)
        self.tray.notify("VideoScan alert", f"{alert.condition} ({when})")
        answer_id, self._next_id = self._next_id, self._next_id - 1
        text = f"Seen at {when} (score {alert.score:.2f})."
        self.answers.alert(answer_id, alert.condition, text, alert.time, alert.frame_index)


def load_alerts(
    worker: EngineWorker, fps: float, parent: QObject | None = None, folder: Path | None = None
) -> AlertsController:
    """Alerts from ``folder``/alerts.json (the app's config folder by default), checked by
    ``worker`` after each processed frame (``fps``: how often frames come)."""
    if folder is None:
        from videoscan_core.user_dirs import config_dir

        folder = config_dir()
    controller = AlertsController(Path(folder) / ALERTS_FILE, parent=parent)
    controller.attach(worker)
    controller.interval_s = 1.0 / fps
    return controller
