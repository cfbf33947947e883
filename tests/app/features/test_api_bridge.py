"""The app's own API for other programs (answers from the app's live memory, in the app's
worker thread) and answers read aloud."""

from __future__ import annotations

import threading

import pytest

from app.settings import AppSettings
from tests.ports import free_port

openai = pytest.importorskip("openai")
pytest.importorskip("uvicorn")


class FakeSpeaker:
    def __init__(self) -> None:
        self.said: list[str] = []
        self.stops = 0

    def say(self, text: str) -> None:
        self.said.append(text)

    def stop(self) -> None:
        self.stops += 1


@pytest.mark.slow
def test_programs_ask_the_live_memory_and_answers_are_read_aloud(
    make_window, qtbot, moving_video, tiny_engine_factory, tmp_path, monkeypatch
):
    monkeypatch.setattr("videoscan_core.user_dirs.config_dir", lambda: tmp_path)
    port = free_port()
    settings = AppSettings(
        model="tiny", source=f"file:{moving_video}", fps=2.0, max_new_tokens=4,
        api_server=True, api_port=port, api_key="app-key", speak_answers=True,
    )  # fmt: skip
    speaker = FakeSpeaker()
    monkeypatch.setattr("videoscan_core.voice.speak.make_speaker", lambda: speaker)
    window = make_window(settings, engine_factory=tiny_engine_factory, playback_speed=2.0)
    assert window.spoken.speaker() is speaker  # looked up now: the first question stops it
    assert window.api.address == f"http://127.0.0.1:{port}/v1"
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.report.frames_processed >= 3, timeout=60000)
    replies, failures = [], []

    def ask() -> None:
        try:
            api = openai.OpenAI(base_url=window.api.address, api_key="app-key", max_retries=0,
                                timeout=60)  # fmt: skip
            replies.append(
                api.chat.completions.create(
                    model="videoscan-live",
                    messages=[{"role": "user", "content": "What is shown?"}],
                    max_tokens=4,
                )
            )
        except Exception as error:  # reported below
            failures.append(error)

    thread = threading.Thread(target=ask)
    thread.start()
    qtbot.waitUntil(lambda: bool(replies or failures), timeout=60000)
    thread.join(10)
    assert not failures, failures
    extra = replies[0].videoscan
    assert extra["source"] == "live" and extra["frames_seen"] >= 3
    assert window.conversation.exchanges == []  # a program's question is not the user's chat
    with qtbot.waitSignal(window.sig_answer_recorded, timeout=30000):
        window.ask("What moved?")
    qtbot.waitUntil(lambda: len(speaker.said) == 1, timeout=10000)
    assert speaker.said[0] == window.conversation.exchanges[-1].answer
    assert speaker.stops >= 1  # the new question stopped any earlier reading
    window.apply_settings(window.settings.with_changes(api_server=False))
    assert window.api.server is None and window.api.address == ""
