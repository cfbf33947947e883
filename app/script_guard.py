"""Scripted runs always end: a failure writes the report with an ``error`` field and exits non-zero.

Contract: ``ScriptGuard(window, plan, timeout_s).attach()`` watches a run started with
``--exit-after-answer``: the first error the window shows (it counts in ``report.errors``: a
capture, model, transcription or answer failure), a report that cannot be written, or the time
limit ends the run: the report is written with ``error`` set (one stderr line instead when it
cannot be written), the window shuts down and the app exits with code 1.
(The flags are checked before the window exists by ``startup_checks.check_script_args``.)
``finish_outputs(window, plan)``
saves the screenshot, the remembered frames (``--export-frames``, ``export_frames``) and the report
at the end of a run; when one cannot be written it says so in one line and (with
``--exit-after-answer``) exits with code 1.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication

from .startup_checks import DEFAULT_TIMEOUT_S, say, write_report

EXIT_FAILED = 1


def finish_outputs(window, plan) -> bool:
    """The screenshot and the report at the end of a scripted run; False (one line printed, the
    report written with ``error`` when possible, exit code 1 scheduled) when either failed."""
    problem = None
    if plan.screenshot and not window.grab().save(plan.screenshot):
        problem = f"cannot save the screenshot {plan.screenshot}"
        window.report.add_error(problem)
    problem = export_frames(window, plan) or problem
    if plan.report_json:
        unwritten = write_report(window.report, plan.report_json, problem)
        problem = unwritten or problem
    if problem is None:
        return True
    say(problem)
    if plan.exit_after_answer:
        QTimer.singleShot(0, lambda: _exit_failed(window))
    return False


def export_frames(window, plan) -> str | None:
    """``--export-frames DIR``: the remembered frames (after the privacy guard) under DIR; the
    folder goes in the report. A message when they cannot be written."""
    if not plan.export_frames:
        return None
    from .memory_export import export_remembered_frames

    try:
        target, _ = export_remembered_frames(window.timeline_model.retained, plan.export_frames)
    except OSError as error:
        problem = f"cannot export the frames to {plan.export_frames}: {error}"
        window.report.add_error(problem)
        return problem
    window.report.exported_frames = str(target)
    return None


def _exit_failed(window) -> None:
    window.shutdown()  # bounded waits; safe twice (aboutToQuit calls it again)
    app = QApplication.instance()
    if app is not None:
        app.exit(EXIT_FAILED)


class ScriptGuard(QObject):
    def __init__(self, window, plan, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        super().__init__(window)
        self.window = window
        self.plan = plan
        self.timeout_s = timeout_s
        self.error: str | None = None
        self._errors_seen = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)

    def attach(self) -> ScriptGuard:
        if not self.plan.exit_after_answer:
            return self  # the user keeps the window: errors stay in the banner
        self._errors_seen = self.window.report.errors
        self.window.banner.sig_shown.connect(self._on_shown)
        self.window.worker.sig_answer_failed.connect(self._on_answer_failed)
        self._timer.start(int(self.timeout_s * 1000))
        return self

    @Slot(str)
    def _on_shown(self, message: str) -> None:
        if self.window.report.errors > self._errors_seen:  # an error, not a note
            self.fail(message)

    @Slot(int, str)
    def _on_answer_failed(self, _answer_id: int, message: str) -> None:
        if self.window.script.waiting:  # the scripted question will never be answered
            self.fail(f"the answer failed: {message}")

    @Slot()
    def _on_timeout(self) -> None:
        if not self.window.script.finished:
            self.fail(f"the scripted run did not finish within {self.timeout_s:g} s")

    def fail(self, message: str) -> None:
        """End the run now: the report with ``error``, then exit code 1 (once)."""
        if self.error is not None or self.window.script.finished:
            return
        self.error = message
        self.window.script.finished = True  # no success report, no question after this
        if self.plan.report_json:
            problem = write_report(self.window.report, self.plan.report_json, message)
            if problem:
                say(problem)
        say(message)
        QTimer.singleShot(0, lambda: _exit_failed(self.window))
