"""The longest GUI event-loop stall while the worker streams a video and answers questions.

Runs the real main window offscreen with a video file source and a random-weight model of the
chosen geometry (the worker thread owns it), asks questions while frames stream, and records the
gap between ticks of a 5 ms GUI timer. Reports the longest gap and the 99th percentile
(target: the longest stall under 50 ms).

    python -m benchmarks.gui_responsiveness [--geometry tiny|small] [--quick] [--json]
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    from . import common

    args = common.parser(__doc__.splitlines()[0]).parse_args()
    common.setup_threads(args.threads)
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.settings import AppSettings
    from app.window.main_window import MainWindow
    from videoscan_core.eval.demo import write_demo_video
    from videoscan_core.stream.engine import StreamingEngine

    from . import geometries

    app = QApplication.instance() or QApplication([])
    model = geometries.build(args.geometry)
    folder = Path(tempfile.mkdtemp())
    video = write_demo_video(folder / "clip.mp4", seed=1, fps=5.0)
    settings = AppSettings(model="benchmark", source=f"file:{video}", fps=5.0, max_new_tokens=16)
    window = MainWindow(
        settings,
        engine_factory=lambda request, status: StreamingEngine(model, request.config),
        playback_speed=2.0,
    )
    gaps, last = [], [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(5)
    questions = 2 if args.quick else 5
    asked = []

    def ask_more() -> None:
        if len(asked) < questions:
            asked.append(window.ask(f"What is on the screen now? ({len(asked) + 1})"))
        else:  # stop measuring, then close without the unsaved-conversation question
            timer.stop()
            window.shutdown()
            app.quit()

    window.sig_answer_recorded.connect(lambda record: QTimer.singleShot(200, ask_more))
    window.worker.sig_model_ready.connect(lambda info: QTimer.singleShot(500, ask_more))
    window.show()
    window.start()
    # a safety net, not a measurement (shut down first: no quit question)
    QTimer.singleShot(120_000, lambda: (window.shutdown(), app.quit()))
    app.exec()
    timer.stop()
    frames = window.report.frames_processed
    window.shutdown()
    gaps_ms = sorted(gap * 1000 for gap in gaps[10:])  # skip start-up
    result = {
        "benchmark": "gui_responsiveness",
        "geometry": args.geometry,
        "longest_stall_ms": round(gaps_ms[-1], 2),
        "p99_tick_ms": round(gaps_ms[int(0.99 * (len(gaps_ms) - 1))], 2),
        "ticks": len(gaps_ms),
        "frames_processed": frames,
        "answers": len(asked),
    }
    table = (
        f"longest GUI stall {result['longest_stall_ms']} ms (p99 tick "
        f"{result['p99_tick_ms']} ms) over {len(gaps_ms)} ticks, {frames} frames, "
        f"{len(asked)} answers"
    )
    common.emit(result, args.json, table)


if __name__ == "__main__":
    main()
