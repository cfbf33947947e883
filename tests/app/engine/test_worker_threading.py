"""Latest-wins under a slow engine, a GUI that keeps turning, static screens, clean shutdown."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

from app.settings import AppSettings

from ..fakes import SlowEngine


def test_slow_engine_drops_frames_and_the_gui_never_stalls(make_window, qtbot, moving_video):
    engines = []

    def factory(request, status):
        engines.append(SlowEngine(request.config, step_s=0.25))
        return engines[-1]

    settings = AppSettings(model="slow", source=f"file:{moving_video}", fps=5.0)
    window = make_window(settings, engine_factory=factory, playback_speed=4.0)
    gaps, last = [], [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.report.frames_processed >= 8, timeout=30000)
    with qtbot.waitSignal(window.sig_answer_recorded, timeout=10000):
        window.ask("What moved?")
    timer.stop()
    report = window.report
    assert report.frames_dropped > report.frames_processed  # capture is 20/s, model 4/s
    assert report.frames_captured >= report.frames_processed + report.frames_dropped
    processed_times = [t for _, t in engines[0].frames]
    assert processed_times == sorted(processed_times)  # newest frames, in order
    assert max(gaps) < 0.5, f"GUI stalled for {max(gaps) * 1000:.0f} ms"
    assert window.view.chat.conversation.exchanges[-1].answer == "the square moved right"


def test_question_during_a_frame_is_answered_right_after_it(make_window, qtbot, moving_video):
    engine_holder = []
    settings = AppSettings(model="slow", source=f"file:{moving_video}", fps=1.0)
    window = make_window(
        settings,
        playback_speed=1.0,
        engine_factory=lambda r, s: (
            engine_holder.append(SlowEngine(r.config, step_s=0.4)) or engine_holder[-1]
        ),
    )
    window.start()
    qtbot.waitUntil(lambda: bool(engine_holder and engine_holder[0].frames), timeout=10000)
    frames_before = len(engine_holder[0].frames)
    with qtbot.waitSignal(window.sig_answer_recorded, timeout=10000):
        window.ask("Now?")
    assert len(engine_holder[0].frames) <= frames_before + 1


def test_static_screen_frames_are_folded_not_encoded(make_window, qtbot, static_video):
    engines = []
    settings = AppSettings(model="slow", source=f"file:{static_video}", fps=2.0)
    window = make_window(
        settings,
        playback_speed=10.0,
        engine_factory=lambda r, s: (
            engines.append(SlowEngine(r.config, step_s=0.01)) or engines[-1]
        ),
    )
    with qtbot.waitSignal(window.capture.sig_ended, timeout=30000):
        window.start()
    qtbot.waitUntil(lambda: window.report.frames_skipped_static >= 19, timeout=5000)
    assert window.report.frames_captured == 20
    assert len(engines[0].frames) == 1  # only the first frame was encoded
    qtbot.waitUntil(
        lambda: bool(
            window.timeline_model.retained and window.timeline_model.retained[0].until >= 9.0
        ),
        timeout=5000,
    )


def test_closing_stops_a_busy_worker_quickly(make_window, qtbot, moving_video):
    settings = AppSettings(model="slow", source=f"file:{moving_video}", fps=5.0)
    window = make_window(settings, engine_factory=lambda r, s: SlowEngine(r.config, step_s=30))
    window.start()
    qtbot.waitUntil(lambda: window.slot.put_count > 2, timeout=10000)
    started = time.perf_counter()
    window.close()
    assert time.perf_counter() - started < 3.0  # the 30 s step was aborted
    assert window.worker.isFinished()
