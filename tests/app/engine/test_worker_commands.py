"""Worker commands are typed and keyed by answer id: a Stop pressed while a question waits is not
lost; New conversation reaches the engine; scripted runs switch sources and ask in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from app.settings import AppSettings

from ..fakes import SlowEngine


class RememberingEngine(SlowEngine):
    cleared = 0

    def clear_conversation(self) -> None:
        RememberingEngine.cleared += 1


def test_a_stop_while_the_question_waits_is_not_lost(make_window, qtbot, moving_video):
    settings = AppSettings(model="slow", source=f"file:{moving_video}", fps=2.0)
    window = make_window(
        settings, engine_factory=lambda r, s: RememberingEngine(r.config, step_s=0.4)
    )
    with qtbot.waitSignal(window.worker.sig_model_ready, timeout=10000):
        window.start()
    finished = {}
    window.worker.sig_answer_finished.connect(lambda i, chunk: finished.update({i: chunk}))
    first = window.ask("What moved first?")
    second = window.ask("And then?")  # waits behind the first
    window.worker.cancel_answer(second)  # Stop pressed while it waits
    qtbot.waitUntil(lambda: first in finished and second in finished, timeout=20000)
    assert finished[first].answer == "the square moved right"
    assert finished[second].stop_reason == "cancelled" and finished[second].answer == ""
    exchanges = window.conversation.exchanges
    assert [e.answer_id for e in exchanges] == [first, second]  # one exchange per question
    before = RememberingEngine.cleared
    window.view.chat.clear()  # New conversation (Ctrl+L)
    qtbot.waitUntil(lambda: RememberingEngine.cleared == before + 1, timeout=5000)


@pytest.mark.slow
def test_scripted_switches_and_questions_in_order(
    moving_video, static_video, tmp_path, tiny_model_dir
):
    report_path = tmp_path / "report.json"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path)}
    args = [
        sys.executable, "-m", "app.main",
        "--source", f"file:{moving_video}", "--model", str(tiny_model_dir),
        "--then-source", f"file:{static_video}", "--then-source", f"file:{moving_video}",
        "--switch-after-frames", "3",
        "--ask", "What changed?", "--ask", "And before that?",
        "--exit-after-answer", "--report-json", str(report_path),
        "--playback-speed", "4", "--settings-file", str(tmp_path / "s.ini"),
    ]  # fmt: skip
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(report_path.read_text())
    assert report["errors"] == 0 and report["sessions"] == 3
    assert [w["frames_processed"] >= 1 for w in report["watched"]] == [True, True, True]
    assert [a["question"] for a in report["answers"]] == ["What changed?", "And before that?"]
    assert all(isinstance(a["evidence"], list) for a in report["answers"])


def test_stream_settings_changed_before_a_model_loads_apply_when_it_loads(qtbot):
    """Memory size and stream settings changed with no model loaded (a failed start, say) are
    not dropped: the next model that loads gets them."""
    from app.engine.worker import EngineWorker
    from videoscan_core.capture.frame_slot import LatestFrameSlot
    from videoscan_core.config import EngineConfig

    loaded: list[SlowEngine] = []

    def factory(request, status):
        loaded.append(SlowEngine(request.config, step_s=0.0))
        return loaded[-1]

    worker = EngineWorker(LatestFrameSlot(), factory)
    worker.start()
    try:
        worker.reset_stream(EngineConfig(memory_size=9, keep_topk=2, position_mode="rerotate"))
        worker.set_memory_size(5)
        worker.clear_conversation()
        with qtbot.waitSignal(worker.sig_model_ready, timeout=10000):
            worker.load_model("slow", EngineConfig(device="cpu"))
        config = loaded[0].config
        assert (config.memory_size, config.keep_topk, config.position_mode) == (5, 2, "rerotate")
        assert config.device == "cpu"  # what the load asked for stays
        with qtbot.waitSignal(worker.sig_model_ready, timeout=10000):
            worker.load_model("slow", EngineConfig(memory_size=7))  # applied once, not again
        assert loaded[1].config.memory_size == 7
    finally:
        assert worker.stop(5000)
