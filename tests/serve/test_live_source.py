"""The server's live source (``serve.live.LiveSource``) with a fake capture source and a fake
clock: a file is read at ``tick / fps`` seconds of video and paced at ``fps * speed`` ticks per
second, a live source at ``fps`` with the time since the start; a withheld tick offers nothing
and says why; the status per state; ``parse_source`` refusals."""

from __future__ import annotations

import numpy as np
import pytest

from videoscan_core.capture import Withheld
from videoscan_core.errors import VideoScanError
from videoscan_core.serve import live
from videoscan_core.serve.live import LiveSource, parse_source

FRAME = np.zeros((4, 6, 3), np.uint8)


class Source:
    def __init__(self, is_live: bool, frames: list):
        self.live, self.frames, self.read_at, self.closed = is_live, list(frames), [], False
        self.stopped_early = None

    def read(self, timestamp):
        self.read_at.append(timestamp)
        return self.frames.pop(0) if self.frames else None

    def close(self):
        self.closed = True


class Clock:
    """``time.monotonic`` that moves only when the source waits (by what it waits)."""

    def __init__(self):
        self.now, self.waits = 100.0, []

    def monotonic(self):
        return self.now

    def wait(self, seconds):
        self.waits.append(round(seconds, 9))
        self.now += seconds
        return False


def run(source, clip, fps=2.0, speed=1.0, monkeypatch=None, stop_after=None):
    clock = Clock()
    monkeypatch.setattr(live.time, "monotonic", clock.monotonic)
    got = []
    player = LiveSource(f"file:{clip}", lambda t, rgb: got.append(t), fps=fps, speed=speed,
                        opener=lambda spec: source)  # fmt: skip
    real_wait = player._stop.wait

    def wait(seconds):
        clock.wait(seconds)
        if stop_after is not None and len(clock.waits) >= stop_after:
            player._stop.set()
        return real_wait(0)

    player._stop.wait = wait
    player._run()
    return got, clock, player


@pytest.fixture
def clip(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"x")  # parse_source only checks that the file is there
    return path


def test_a_file_plays_on_its_own_time_base_at_fps_times_speed(clip, monkeypatch):
    source = Source(False, [FRAME] * 4)
    got, clock, player = run(source, clip, fps=2.0, speed=4.0, monkeypatch=monkeypatch)
    assert source.read_at == [0.0, 0.5, 1.0, 1.5, 2.0] and got == [0.0, 0.5, 1.0, 1.5]
    assert clock.waits == [0.125] * 4  # 8 ticks per second of wall time
    assert player.frames_offered == 4 and source.closed
    assert player.status() == {"spec": f"file:{clip}", "state": "ended", "frames": 4,
                               "reason": ""}  # fmt: skip


def test_a_live_source_is_paced_at_fps_and_stamped_with_the_time_since_it_started(
    clip, monkeypatch
):
    source = Source(True, [FRAME] * 10)
    got, clock, player = run(source, clip, fps=4.0, speed=10.0, monkeypatch=monkeypatch,
                             stop_after=3)  # fmt: skip
    assert clock.waits == [0.25] * 3  # speed is for files only
    assert source.read_at == [0.0, 0.25, 0.5] and got == [0.0, 0.25, 0.5]


def test_a_withheld_tick_offers_nothing_and_says_why(clip, monkeypatch):
    source = Source(True, [FRAME, Withheld("a pause app is focused"), FRAME])
    got, clock, player = run(source, clip, fps=1.0, monkeypatch=monkeypatch, stop_after=2)
    assert got == [0.0] and player.paused == "a pause app is focused"
    player.finished.clear()  # as while it still runs
    assert player.status()["state"] == "paused"
    assert player.status()["reason"] == "a pause app is focused"


def test_a_truncated_file_and_a_failing_source_say_so(clip, monkeypatch):
    source = Source(False, [FRAME])
    source.stopped_early = "clip.mp4: the video stopped at frame 3 of 10"
    got, clock, player = run(source, clip, monkeypatch=monkeypatch)
    assert player.status()["state"] == "ended"
    assert player.status()["reason"] == "clip.mp4: the video stopped at frame 3 of 10"

    class Broken(Source):
        def read(self, timestamp):
            raise OSError("device unplugged")

    broken = Broken(True, [])
    got, clock, player = run(broken, clip, monkeypatch=monkeypatch)
    assert player.status()["state"] == "failed" and broken.closed
    assert player.status()["reason"] == f"file:{clip}: device unplugged"
    assert player.finished.is_set()


@pytest.mark.parametrize("fps,speed", [(0, 1), (1, 0), (-1, 1)])
def test_fps_and_speed_must_be_positive(clip, fps, speed):
    with pytest.raises(VideoScanError, match="fps > 0 and speed > 0"):
        LiveSource(f"file:{clip}", lambda t, rgb: None, fps=fps, speed=speed)


def test_parse_source_refusals(tmp_path):
    with pytest.raises(VideoScanError, match="the video file does not exist"):
        parse_source(f"file:{tmp_path / 'missing.mp4'}")
    with pytest.raises(VideoScanError, match="^--source tape:1: "):
        parse_source("tape:1")
    assert parse_source("webcam:2").kind == "webcam"
