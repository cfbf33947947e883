"""The window's plain-Python helpers: what the indicator says, what a model change may save, when
the first video starts, what a run counts."""

from __future__ import annotations

from app.scripting.run_recorder import RunRecorder
from app.scripting.scripted_run import RunReport, ScriptedRun, ScriptPlan
from app.settings import AppSettings
from app.window.model_switch import ModelSwitch
from app.window.start_gate import StartGate
from app.window.watch_state import WatchState
from videoscan_core.capture.frame_slot import LatestFrameSlot


def test_the_indicator_says_watching_only_when_frames_are_captured_and_remembered():
    state = WatchState()
    assert state.indicator() == "idle"
    state.capturing = True
    assert state.indicator() == "nomodel"  # captured, but nothing remembers it
    state.model_ready = True
    assert state.indicator() == "recording"
    state.paused = True
    assert state.indicator() == "paused"
    state.paused, state.capturing, state.ended = False, False, True
    assert state.indicator() == "ended"


def test_a_model_change_is_saved_only_once_that_model_is_ready():
    switch = ModelSwitch()
    wanted = AppSettings(model="new-model", device="cpu")
    switch.request("new-model", wanted)
    assert switch.ready("other", ["cpu"]) is None  # not the requested one
    switch.request("new-model", wanted)
    switch.failed("new-model")
    assert switch.ready("new-model", []) is None  # failed: nothing to save
    switch.request("new-model", wanted)
    assert switch.ready("new-model", ["cpu", "cuda"]) == wanted
    assert switch.devices == ["cpu", "cuda"] and switch.is_current("new-model")


def test_the_first_video_waits_for_every_reason():
    gate = StartGate()
    gate.hold("file:clip.mp4", {"model", "welcome"})
    assert gate.release("model") is None
    assert gate.release("welcome") == "file:clip.mp4" and gate.source is None
    gate.hold("demo:1", {"model"})
    gate.cancel()
    assert gate.release("model") is None


class Window:
    def __init__(self):
        self.report = RunReport()


def processed(index: int, carriers: int, excluded: int = 0):
    from app.engine.loading import FrameUpdate
    from videoscan_core.events import CarrierInfo, FrameEvent, MemorySnapshot

    event = FrameEvent(index, float(index), (), carriers, 0, 0, 1.0, 1.0)
    kept = tuple(CarrierInfo(i, float(i), float(i)) for i in range(carriers))
    return FrameUpdate(event, None, b"", MemorySnapshot(index + 1, 64, kept), {}, excluded)


def test_the_run_counts_per_source():
    from app.features.privacy_ledger import PrivacyLedger

    window = Window()
    slot = LatestFrameSlot()
    ledger = PrivacyLedger()
    recorder = RunRecorder(window.report, ScriptedRun(window, ScriptPlan()), slot, ledger)
    recorder.watching("file:a.mp4")
    recorder.frame(processed(0, 1))
    recorder.watching("screen:1")
    recorder.frame(processed(1, 2, excluded=1))
    recorder.frame(processed(2, 2))
    recorder.capture_counts(7, 3)
    recorder.error("boom")
    report = window.report
    assert [(w.source, w.frames_processed) for w in report.watched] == [
        ("file:a.mp4", 1),
        ("screen:1", 2),
    ]
    assert (report.frames_processed, report.carriers_retained, report.errors) == (3, 2, 1)
    assert recorder.counts_text() == "captured 7 · processed 3 · unchanged 3 · dropped 0"
    privacy = report.to_dict()["privacy"]
    assert [f["windows"] for f in privacy["frames"]] == [0, 1, 0]
    assert privacy["frames_with_windows_blacked_out"] == 1


def test_the_recorder_follows_the_signals_it_counts_and_the_script_steps_last():
    from PySide6.QtCore import QObject, Signal

    from app.features.privacy_ledger import PrivacyLedger
    from app.scripting.scripted_run import AnswerRecord

    class Source(QObject):  # the worker's, the capture's and the router's signals
        sig_frame = Signal(object)
        sig_session_started = Signal(int)
        sig_memory = Signal(object)
        sig_counts = Signal(int, int)
        sig_recorded = Signal(object)

    class Script(ScriptedRun):
        def __init__(self, window):
            super().__init__(window, ScriptPlan())
            self.seen: list[tuple[str, int]] = []

        def on_frame_processed(self):
            self.seen.append(("frame", window.report.frames_processed))

        def on_answer_recorded(self):
            self.seen.append(("answer", len(window.report.answers)))

    window, source = Window(), Source()
    script = Script(window)
    recorder = RunRecorder(window.report, script, LatestFrameSlot(), PrivacyLedger())
    lines: list[str] = []
    recorder.sig_counts.connect(lines.append)
    recorder.follow(source, source, source)
    recorder.watching("file:a.mp4")
    source.sig_session_started.emit(1)
    source.sig_frame.emit(processed(0, 1))
    source.sig_counts.emit(4, 2)
    source.sig_memory.emit(processed(1, 3).snapshot)
    source.sig_recorded.emit(AnswerRecord("What?", "A square.", 10.0, 20.0))
    report = window.report
    assert (report.sessions, report.frames_processed, report.carriers_retained) == (1, 1, 3)
    assert [a.answer for a in report.answers] == ["A square."]
    assert script.seen == [("frame", 1), ("answer", 1)]  # after the report has them
    assert lines[-1] == "captured 4 · processed 1 · unchanged 2 · dropped 0"


def test_the_start_plan_honours_an_explicit_source_and_waits_for_what_a_video_needs():
    from app.window.start_gate import plan_start

    demo = plan_start("", "screen:1", True, explicit_source=False, first_run=False)
    assert (demo.model, demo.source, demo.waits) == ("videoscan-demo", "demo:1", {"model"})
    given = plan_start("", "screen:1", True, explicit_source=True, first_run=True)
    assert (given.source, given.waits) == ("screen:1", {"welcome"})
    assert "the source you chose" in given.note
    none = plan_start("", "file:a.mp4", False, explicit_source=False, first_run=False)
    assert none.model == "" and "No model chosen" in none.problem and not none.waits


def test_a_scripted_question_is_asked_on_a_static_screen():
    """Frames folded as unchanged count as seen: a still screen (an idle desktop) used to wait
    for processed frames that never came, until --script-timeout."""

    class Window:
        asked: list[str] = []

        def ask(self, question, source="typed"):
            self.asked.append(question)

    window = Window()
    script = ScriptedRun(window, ScriptPlan(asks=["What is on the screen?"], ask_after_frames=5))
    script.on_frames_folded(3)  # nothing processed yet: not seen
    assert window.asked == []
    script.on_frame_processed()  # 1 processed + 3 folded
    assert window.asked == []
    script.on_frames_folded(1)
    assert window.asked == ["What is on the screen?"]
