"""The frame at time t is the same frame for every reader of a video file: the CLI's and the
server's ``sample_frames`` and the app's ``VideoFileSource`` (the last frame whose time is <= t,
stamped t), also when the video's rate is not a multiple of the sampling rate."""

from __future__ import annotations

import numpy as np
import pytest

from videoscan_core.capture.video_file import VideoFileSource
from videoscan_core.video import import_cv2, sample_frames

VIDEO_FPS = 7  # 2 samples per second fall between its frames


@pytest.fixture(scope="module")
def numbered_video(tmp_path_factory):
    """Frame i is a flat grey of 8 * i (MJPG keeps flat greys within a few levels)."""
    cv2 = import_cv2()
    path = tmp_path_factory.mktemp("frames") / "numbered.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), VIDEO_FPS, (32, 24))
    for index in range(25):
        writer.write(np.full((24, 32, 3), 8 * index, np.uint8))
    writer.release()
    return path


def frame_number(rgb: np.ndarray) -> int:
    return round(float(rgb.mean()) / 8)


@pytest.mark.parametrize("fps", [1.0, 2.0, 3.0])
def test_sampling_and_the_app_source_pick_the_same_frame_at_the_same_time(numbered_video, fps):
    sampled = [(t, frame_number(rgb)) for t, rgb in sample_frames(numbered_video, fps)]
    source = VideoFileSource(str(numbered_video))
    source.open()
    try:
        played = [(t, frame_number(source.read(t))) for t, _ in sampled]
    finally:
        source.close()
    assert sampled == played
    assert [t for t, _ in sampled] == [k / fps for k in range(len(sampled))]
    assert [n for _, n in sampled] == [int(k / fps * VIDEO_FPS + 1e-6) for k in range(len(sampled))]
