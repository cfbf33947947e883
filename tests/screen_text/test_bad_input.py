"""When OCR cannot run: one line, and everything else goes on without screen text (the CLI
answers, the app answers and shows the line in its banner)."""

from __future__ import annotations

import json

import pytest

from videoscan_core.cli.main import main
from videoscan_core.screen_text import ocr
from videoscan_core.screen_text.ocr import OcrEngine, ScreenTextError

from .clips import write_clip

MISSING = "screen text is off: the OCR package is not installed (pip install rapidocr==3.10.0)"


@pytest.fixture
def no_ocr(monkeypatch):
    """rapidocr not installed (as the import system would report it)."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "rapidocr" else real(name, *a)
    )


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_clip(tmp_path_factory.mktemp("bad") / "screen.mp4", seconds=3)


def test_a_missing_ocr_package_is_one_line(no_ocr):
    with pytest.raises(ScreenTextError) as error:
        OcrEngine().read(ocr.np.zeros((32, 32, 3), ocr.np.uint8))
    assert str(error.value) == MISSING


def test_run_answers_without_screen_text_when_ocr_is_missing(no_ocr, clip, tiny_model_dir, capsys):
    args = ["run", str(clip), "--model", str(tiny_model_dir), "--question", "What is shown?",
            "--max-new-tokens", "2", "--json", "--no-progress"]  # fmt: skip
    assert main(args) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    assert len(report["answers"]) == 1 and report["evidence_text"] == [[]]
    assert report["screen_text"] == [] and report["screen_text_error"] == MISSING
    assert captured.err.count(MISSING) == 1 and "answering without screen text" in captured.err
    assert main(["find", str(clip), "gate", "--no-progress"]) == 1
    assert capsys.readouterr().err == f"videoscan: error: {MISSING}\n"


def test_the_app_says_it_once_and_keeps_answering(no_ocr, make_window, qtbot, clip, tiny_model_dir):
    from app.settings import AppSettings

    settings = AppSettings(model=str(tiny_model_dir), source=f"file:{clip}", max_new_tokens=2)
    window = make_window(settings, playback_speed=4.0, every_frame=True)
    window.show()
    with qtbot.waitSignal(window.screen_text.sig_failed, timeout=60000):
        with qtbot.waitSignal(window.worker.sig_model_ready, timeout=60000):
            window.start()
    qtbot.waitUntil(lambda: window.view.banner.isVisible(), timeout=10000)
    assert window.view.banner.text == "⚠ S" + MISSING[1:]  # (the banner capitalises)
    qtbot.waitUntil(lambda: window.report.frames_processed >= 1, timeout=60000)
    with qtbot.waitSignal(window.sig_answer_recorded, timeout=60000):
        window.ask("What is shown?")
    exchange = window.view.chat.conversation.exchanges[-1]
    assert exchange.finished and exchange.evidence_text == []
    assert window.screen_text.stats().error == MISSING
