"""Scripted runs always end: a failure writes the report with an ``error`` field and exits non-zero.

Contract: ``ScriptGuard(run, report, plan, shutdown, parent, timeout_s).attach(error_shown,
answer_failed)`` watches a run started with ``--exit-after-answer``: the first error the window
shows (``error_shown``, the banner's ``sig_shown``, when it counts in ``report.errors``: a
capture, model, transcription or answer failure), a failed answer while the scripted question
waits (``answer_failed``), a report that cannot be written, or the time limit ends the run: the
report is written with ``error`` set (one stderr line instead when it cannot be written), the
run is abandoned (``run.abandon()``), ``shutdown()`` stops the window and the app exits with
code 1. (The flags are checked before the window exists by ``startup_checks.check_script_args``.)
``finish_outputs(window, items, report, plan, shutdown)`` saves the screenshot of ``window``, the
remembered frames ``items`` (``--export-frames``, ``export_frames``) and the report at the end of
a run; when one cannot be written it says so in one line and (with ``--exit-after-answer``)
exits with code 1.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, QTimer, SignalInstance, Slot
from PySide6.QtWidgets import QApplication, QWidget

from .startup_checks import DEFAULT_TIMEOUT_S, say, write_report

if TYPE_CHECKING:
    from ..models.timeline import TimelineItem

EXIT_FAILED = 1
Shutdown = Callable[[], None]


class GuardedRun(Protocol):
    """What the guard reads of a scripted run (``ScriptedRun``)."""

    waiting: bool  # a scripted question waits for its answer
    finished: bool

    def abandon(self) -> None:
        """End the run without its success report; no question after this."""


def finish_outputs(
    window: QWidget, items: Iterable[TimelineItem], report, plan, shutdown: Shutdown
) -> bool:
    """The screenshot and the report at the end of a scripted run; False (one line printed, the
    report written with ``error`` when possible, exit code 1 scheduled) when either failed."""
    problem = None
    if plan.screenshot and not window.grab().save(plan.screenshot):
        problem = f"cannot save the screenshot {plan.screenshot}"
        report.add_error(problem)
    problem = export_frames(items, report, plan) or problem
    if plan.report_json:
        unwritten = write_report(report, plan.report_json, problem)
        problem = unwritten or problem
    if problem is None:
        return True
    say(problem)
    if plan.exit_after_answer:
        QTimer.singleShot(0, lambda: _exit_failed(shutdown))
    return False


def export_frames(items: Iterable[TimelineItem], report, plan) -> str | None:
    """``--export-frames DIR``: the remembered frames ``items`` (after the privacy guard) under
    DIR; the folder goes in the report. A message when they cannot be written."""
    if not plan.export_frames:
        return None
    from ..features.memory_export import export_remembered_frames

    try:
        target, _ = export_remembered_frames(items, plan.export_frames)
    except OSError as error:
        problem = f"cannot export the frames to {plan.export_frames}: {error}"
        report.add_error(problem)
        return problem
    report.exported_frames = str(target)
    return None


def _exit_failed(shutdown: Shutdown) -> None:
    shutdown()  # bounded waits; safe twice (aboutToQuit calls it again)
    app = QApplication.instance()
    if app is not None:
        app.exit(EXIT_FAILED)


class ScriptGuard(QObject):
    def __init__(
        self,
        run: GuardedRun,
        report,
        plan,
        shutdown: Shutdown,
        parent: QObject | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        super().__init__(parent)
        self.run = run
        self.report = report
        self.plan = plan
        self.shutdown = shutdown
        self.timeout_s = timeout_s
        self.error: str | None = None
        self._errors_seen = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)

    def attach(self, error_shown: SignalInstance, answer_failed: SignalInstance) -> ScriptGuard:
        if not self.plan.exit_after_answer:
            return self  # the user keeps the window: errors stay in the banner
        self._errors_seen = self.report.errors
        error_shown.connect(self._on_shown)
        answer_failed.connect(self._on_answer_failed)
        self._timer.start(int(self.timeout_s * 1000))
        return self

    @Slot(str)
    def _on_shown(self, message: str) -> None:
        if self.report.errors > self._errors_seen:  # an error, not a note
            self.fail(message)

    @Slot(int, str)
    def _on_answer_failed(self, _answer_id: int, message: str) -> None:
        if self.run.waiting:  # the scripted question will never be answered
            self.fail(f"the answer failed: {message}")

    @Slot()
    def _on_timeout(self) -> None:
        if not self.run.finished:
            self.fail(f"the scripted run did not finish within {self.timeout_s:g} s")

    def fail(self, message: str) -> None:
        """End the run now: the report with ``error``, then exit code 1 (once)."""
        if self.error is not None or self.run.finished:
            return
        self.error = message
        self.run.abandon()  # no success report, no question after this
        if self.plan.report_json:
            problem = write_report(self.report, self.plan.report_json, message)
            if problem:
                say(problem)
        say(message)
        QTimer.singleShot(0, lambda: _exit_failed(self.shutdown))
