"""A video whose decoder stops early (cut in half) is reported: by sample_frames, by `videoscan
run` (a warning line naming the frame) and by the app (the banner), never read silently in part."""

from __future__ import annotations

import numpy as np
import pytest

from videoscan_core.video import ReadOutcome, import_cv2, sample_frames, short_read_message


def write_faststart_mp4(path, frames: int = 100, fps: int = 10):
    """MPEG-4 with its index at the front: the first half of the file still opens."""
    av = pytest.importorskip("av")
    container = av.open(str(path), "w", options={"movflags": "faststart"})
    stream = container.add_stream("mpeg4", rate=fps)
    stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
    rng = np.random.default_rng(0)
    for _ in range(frames):
        image = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
        for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    return path


def write_mjpg_avi(path, frames: int = 100, fps: int = 10):
    cv2 = import_cv2()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    rng = np.random.default_rng(1)
    for _ in range(frames):
        writer.write(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))
    writer.release()
    return path


def cut_in_half(path, out):
    data = path.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    return out


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("short")
    full = write_faststart_mp4(folder / "full.mp4")
    avi = write_mjpg_avi(folder / "full.avi")
    return {
        "full": full,
        "half": cut_in_half(full, folder / "half.mp4"),
        "half_avi": cut_in_half(avi, folder / "half.avi"),
    }


def test_a_whole_video_is_not_reported(videos):
    outcome = ReadOutcome()
    assert len(list(sample_frames(videos["full"], 1.0, outcome))) == 10
    assert (outcome.frames_read, outcome.frame_count) == (100, 100)
    assert outcome.stopped_early is None


@pytest.mark.parametrize("name", ["half", "half_avi"])
def test_a_truncated_video_is_reported_with_the_frame_where_it_stopped(videos, name):
    outcome = ReadOutcome()
    samples = list(sample_frames(videos[name], 1.0, outcome))
    assert 1 <= len(samples) < 10 and outcome.frame_count == 100
    message = outcome.stopped_early
    assert message is not None and "\n" not in message
    assert f"stopped at frame {outcome.frames_read} of 100" in message
    assert videos[name].name in message


def test_tolerance_and_unknown_counts():
    assert short_read_message("a.mp4", 99, 100, 10.0) is None  # off by one: containers vary
    assert short_read_message("a.mp4", 5, 0, 10.0) is None  # no count in the container
    assert "(0.5 s of 1.0 s)" in short_read_message("a.mp4", 5, 10, 10.0)


def test_fps_must_be_finite():
    with pytest.raises(ValueError, match="finite"):
        next(sample_frames("whatever.mp4", float("inf")))


def run_cli(video, model, capsys) -> tuple[int, str]:
    from videoscan_core.cli.main import main

    code = main(
        ["run", str(video), "--model", str(model), "--question", "What is shown?",
         "--max-new-tokens", "2", "--memory", "4", "--json"]
    )  # fmt: skip
    return code, capsys.readouterr().err


def test_the_cli_warns_about_a_truncated_video(videos, tiny_model_dir, capsys):
    code, stderr = run_cli(videos["half"], tiny_model_dir, capsys)
    assert code == 0, stderr
    warnings = [line for line in stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and warnings[0].startswith("videoscan: warning: half.mp4: the video")
    assert "stopped at frame" in warnings[0]


def test_the_apps_banner_says_a_video_stopped_early(
    make_window, tiny_engine_factory, qtbot, videos
):
    from app.settings import AppSettings

    settings = AppSettings(model="tiny", source=f"file:{videos['half']}", fps=5.0)
    window = make_window(settings, engine_factory=tiny_engine_factory, playback_speed=8.0)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: bool(window.view.banner.messages), timeout=30000)
    assert "half.mp4: the video stopped at frame" in window.view.banner.messages[-1]
    assert window.view.banner.isVisible()
