"""Servers shared by the server tests that send raw requests (one pair for the package)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.serve.raw_http import MODEL


@pytest.fixture(scope="package")
def clip(tmp_path_factory):
    """A folder with ``live.mp4`` (the live source) and ``clip.mp4`` (sent in requests)."""
    from tests.serve.test_openai_server import write_video

    folder = tmp_path_factory.mktemp("raw")
    write_video(folder / "live.mp4", 60, 10.0, seed=3)
    write_video(folder / "clip.mp4", 10, 5.0, seed=4)
    return folder


@pytest.fixture(scope="package")
def servers(clip, tiny_vlm):
    """``.open`` (the keyless loopback server's port, ``.live`` that server, with a live file
    source) and ``.keyed`` (a server with the key "k")."""
    pytest.importorskip("uvicorn")
    from videoscan_core.serve.server import VideoScanServer

    keyless = VideoScanServer(MODEL, tiny_vlm, source=f"file:{clip / 'live.mp4'}", memory=4)
    keyed = VideoScanServer(MODEL, tiny_vlm, api_key="k", memory=4)
    yield SimpleNamespace(open=keyless.start(), keyed=keyed.start(), live=keyless)
    keyless.stop()
    keyed.stop()
