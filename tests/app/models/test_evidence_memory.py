"""An answer's evidence stays its own after a new memory: frame indices restart with each memory,
so the pictures under an answer (and an alert), the frame a click opens and the timeline's outline
never come from the next video."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QUrl

from app.settings import AppSettings
from videoscan_core.events import AnswerChunk
from videoscan_core.video import import_cv2

from ..fakes import SlowEngine


def solid_video(path, bgr, frames: int = 60, fps: float = 5.0):
    cv2 = import_cv2()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (96, 64))
    for i in range(frames):
        frame = np.zeros((64, 96, 3), np.uint8)
        frame[8:56, 8 + i % 30 : 40 + i % 30] = bgr  # a moving block: no frame is static
        writer.write(frame)
    writer.release()
    return path


class EvidenceEngine(SlowEngine):
    """Answers that it looked at frames 0 and 1 of the memory."""

    def ask(self, question, options, should_stop=None, screen_text=()):
        times = tuple(t for _, t in self.frames[:2])
        yield AnswerChunk("", True, "red", 1, "eos", 1.0, 2.0, times, (0, 1)[: len(times)])


def colour_counts(image) -> tuple[int, int]:
    """Pixels that are clearly red, clearly blue."""
    image = image.convertToFormat(image.Format.Format_RGB888)
    width, height = image.width(), image.height()
    rgb = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * height)
    rgb = rgb.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(height, width, 3)
    r, g, b = (rgb[..., i].astype(int) for i in range(3))
    return int(((r > 150) & (g < 80) & (b < 80)).sum()), int(((b > 150) & (r < 80)).sum())


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("colours")
    return solid_video(folder / "red.mp4", (0, 0, 255)), solid_video(
        folder / "blue.mp4", (255, 0, 0)
    )


def test_evidence_keeps_its_own_pictures_after_a_new_memory(make_window, qtbot, videos):
    red, blue = videos
    window = make_window(
        AppSettings(model="fake", source=f"file:{red}"),
        engine_factory=lambda request, status: EvidenceEngine(request.config, step_s=0.0),
    )
    window.resize(1100, 720)
    window.show()
    window.start()
    timeline = window.timeline_model
    qtbot.waitUntil(lambda: {0, 1} <= set(timeline.items), timeout=20000)
    with qtbot.waitSignal(window.sig_answer_recorded, timeout=10000):
        answer_id = window.ask("What colour is the shape?")
    window.alert_presenter.show(_alert(timeline.items[1]))  # an alert on frame 1, too
    red_before, blue_before = colour_counts(window.view.chat._view.viewport().grab().toImage())
    assert red_before > 100 and blue_before == 0
    sessions = window.report.sessions
    window.change_source(f"file:{blue}")  # a new memory: indices 0, 1 are blue frames now
    qtbot.waitUntil(
        lambda: window.report.sessions > sessions and {0, 1} <= set(timeline.items), timeout=20000
    )
    window.view.chat.refresh()
    window.view.timeline.refresh()
    red_after, blue_after = colour_counts(window.view.chat._view.viewport().grab().toImage())
    assert blue_after == 0 and red_after > 0.8 * red_before  # still the red frames it saw
    assert window.view.timeline.highlight == set()  # the old answer outlines nothing in this memory
    window.view.chat._view.anchorClicked.emit(QUrl(f"evidence:{answer_id}/0"))
    viewer = window.frame_viewer  # what the click opened: the red frame it saw
    red_large, blue_large = colour_counts(viewer.image.pixmap().toImage())
    assert red_large > 0 and blue_large == 0
    assert window.view.timeline.highlight == set()


def _alert(item):
    from videoscan_core.stream.alerts import Alert

    return Alert("a red shape appears", "c1", item.timestamp, 0.9, item.frame_index)
