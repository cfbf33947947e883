"""Sessions across source switches: live sources continue one memory, a video file starts a new
one, File > New memory starts afresh, and every frame after a switch is streamed without error."""

from __future__ import annotations

import os

import pytest

from app.scripting.scripted_run import ScriptPlan
from app.settings import AppSettings
from videoscan_core.capture.sessions import CaptureSessions


def test_live_sources_share_a_session_and_files_start_new_ones():
    now = [100.0]
    sessions = CaptureSessions(clock=lambda: now[0])
    assert sessions.begin_source(live=False).session == 1  # a file: its own clock
    assert sessions.begin_source(live=False).session == 2  # another file: a new memory
    screen = sessions.begin_source(live=True)
    now[0] = 130.0
    region = sessions.begin_source(live=True)
    assert (screen.session, region.session) == (3, 3) and region.segment == screen.segment + 1
    assert sessions.live_time() == 30.0  # one wall clock since the session began
    fresh = sessions.new_memory()
    assert fresh.session == 4 and sessions.live_time() == 0.0
    assert sessions.begin_source(live=False).session == 5


class CountingEngine:
    """The real engine on the tiny model, counting sessions and segments."""

    def __init__(self, factory):
        self.factory = factory
        self.engines = []

    def __call__(self, request, status):
        engine = self.factory(request, status)
        counts = {"sessions": 0, "segments": 0, "bank_at_segment": []}
        start_session, start_segment = engine.start_session, engine.start_segment

        def counted_session():
            counts["sessions"] += 1
            start_session()

        def counted_segment():
            counts["segments"] += 1
            counts["bank_at_segment"].append(len(engine.bank))
            start_segment()

        engine.start_session, engine.start_segment = counted_session, counted_segment
        engine.counts = counts
        self.engines.append(engine)
        return engine


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs an X display (xvfb-run)")
def test_five_switches_in_one_run_stream_every_source_without_errors(
    make_window, qtbot, moving_video, static_video, tiny_engine_factory
):
    factory = CountingEngine(tiny_engine_factory)
    sources = [f"file:{static_video}", "screen:1", "region:0,0,320,200", f"file:{moving_video}"]
    plan = ScriptPlan(then_sources=sources, switch_after_frames=[3], ask_after_frames=3)
    settings = AppSettings(model="tiny", source=f"file:{moving_video}", fps=5.0, memory_size=8)
    window = make_window(settings, engine_factory=factory, plan=plan, playback_speed=8.0)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.script.finished, timeout=60000)
    report = window.report
    assert report.errors == 0, report.error_messages
    assert [w.source for w in report.watched] == [settings.source, *sources]
    assert all(w.frames_processed >= 1 for w in report.watched), report.watched
    # file, file, screen (after a file: new), region (live after live: same), file
    assert report.sessions == 4
    (engine,) = factory.engines
    assert engine.counts["sessions"] == 4 and engine.counts["segments"] == 1
    assert engine.counts["bank_at_segment"][0] >= 1  # the screen's memory went on into the region
    times = [item.timestamp for item in window.timeline_model.retained]
    assert times == sorted(times) and len(times) >= 1


def test_new_memory_forgets_what_was_seen_and_keeps_watching(make_window, qtbot, moving_video):
    from .fakes import SlowEngine

    engines = []

    def factory(request, status):
        engines.append(SlowEngine(request.config, step_s=0.01))
        return engines[-1]

    settings = AppSettings(model="slow", source=f"file:{moving_video}", fps=5.0)
    window = make_window(settings, engine_factory=factory, playback_speed=4.0)
    window.start()
    qtbot.waitUntil(lambda: window.report.frames_processed >= 3, timeout=30000)
    with qtbot.waitSignal(window.worker.sig_session_started, timeout=10000):
        window.new_memory()
    qtbot.waitUntil(lambda: window.report.sessions == 2)  # (the worker's signal comes queued)
    seen = window.report.frames_processed
    qtbot.waitUntil(lambda: window.report.frames_processed >= seen + 2, timeout=30000)
    assert len(engines[0].frames) <= window.report.frames_processed - seen + 1
    assert "new memory" in window.statusBar().currentMessage()
    assert window.report.errors == 0, window.report.error_messages
