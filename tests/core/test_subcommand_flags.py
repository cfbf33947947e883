"""Every flag of ``videoscan serve``, ``mcp`` and ``watch`` reaches what it sets (``find``'s are
in ``test_find_flags.py``), asserted on what the model loader, the server, the worker, the live
source and the watcher receive (as ``test_cli_flags.py`` does for ``run``), and the effect of
``watch --every`` on the frames scored. Servers are built for real but never serve: their
``run`` is replaced, nothing listens and nothing is left running."""

from __future__ import annotations

import math

import pytest

from tests.ports import free_port
from videoscan_core.cli.main import build_parser, main
from videoscan_core.serve.protocol import APIError


def options_of(command: str) -> set[str]:
    commands = next(a for a in build_parser()._actions if a.dest == "command")
    return {
        action.option_strings[0] if action.option_strings else action.dest
        for action in commands.choices[command]._actions
        if action.dest != "help"
    }


COVERED = {
    "serve": {"--model", "--host", "--port", "--api-key", "--source", "--settings-file", "--fps",
              "--speed", "--memory", "--max-body-mb", "--device", "--dtype", "--no-screen-text",
              "--frame-tokens"},
    "mcp": {"--model", "--source", "--settings-file", "--fps", "--speed", "--memory",
            "--alerts-file", "--device", "--no-screen-text", "--frame-tokens"},
    "watch": {"video", "--model", "--when", "--every", "--memory", "--fps", "--on", "--off",
              "--device", "--dtype", "--json", "--no-progress", "--frame-tokens"},
    "find": {"video", "phrase", "--fps", "--limit", "--json", "--no-progress"},
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(COVERED))
def test_every_flag_of_the_subcommand_is_covered_here(command):
    assert options_of(command) == COVERED[command]  # a new flag must be added to a test below


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    from tests.app_fixtures import write_video

    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", 20, fps=2.0)  # 10 s


@pytest.fixture
def loads(monkeypatch):
    """What ``load_model`` was called with (the real loader still runs)."""
    import videoscan_core.adapters as adapters

    seen: list[dict] = []
    real = adapters.load_model

    def load_model(source, device=None, dtype=None, **kwargs):
        seen.append({"source": str(source), "device": device, "dtype": dtype, **kwargs})
        return real(source, device, dtype, **kwargs)

    monkeypatch.setattr(adapters, "load_model", load_model)
    return seen


@pytest.fixture
def rules(monkeypatch):
    """The settings file whose privacy rules were loaded."""
    import videoscan_core.capture.privacy.app_settings as app_settings

    seen: list = []
    monkeypatch.setattr(app_settings, "use_app_rules",
                        lambda path=None: seen.append(path) or "privacy rules: none")  # fmt: skip
    return seen


# -- serve --------------------------------------------------------------------------------------
@pytest.fixture
def served(monkeypatch):
    """The ``VideoScanServer`` the command built and the port and callback ``run`` got."""
    from videoscan_core.serve.server import VideoScanServer

    got: dict = {}
    real_init = VideoScanServer.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        got["server"] = self

    def run(self, port, on_listening=None):
        got["port"] = port
        on_listening(port)

    monkeypatch.setattr(VideoScanServer, "__init__", init)
    monkeypatch.setattr(VideoScanServer, "run", run)
    return got


def test_serve_defaults(served, loads, rules, tiny_model_dir, capsys):
    assert main(["serve", "--model", str(tiny_model_dir)]) == 0
    server = served["server"]
    assert served["port"] == 8765 and server.host == "127.0.0.1"
    assert loads == [
        {"source": str(tiny_model_dir), "device": None, "dtype": None, "frame_tokens": 768}
    ]  # the video budget
    assert server.source is None and rules == []  # no live source: no privacy rules needed
    assert server.worker.memory == 64 and server.worker.frame_interval_s == 1.0
    assert (server.pool.device, server.pool.dtype, server.pool.live) == (None, None, False)
    assert server.pool.frame_tokens == 768
    assert "serving http://127.0.0.1:8765/v1" in capsys.readouterr().err


def test_every_serve_flag_reaches_the_server(served, loads, rules, clip, tiny_model_dir, capsys,
                                             tmp_path, monkeypatch):  # fmt: skip
    import videoscan_core.serve.server as server_module

    bodies: list[int] = []
    real_app = server_module.create_app
    monkeypatch.setattr(server_module, "create_app", lambda *a, **k: bodies.append(a[3]) or
                        real_app(*a, **k))  # fmt: skip
    settings = tmp_path / "videoscan.ini"
    settings.write_text("")
    port = free_port()
    code = main([
        "serve", "--model", str(tiny_model_dir), "--host", "localhost", "--port", str(port),
        "--api-key", "sk-1", "--source", f"file:{clip}", "--settings-file", str(settings),
        "--fps", "2.5", "--speed", "4", "--memory", "5", "--max-body-mb", "1.5",
        "--device", "cpu", "--dtype", "float32", "--no-screen-text", "--frame-tokens", "256",
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    server = served["server"]
    assert server.text is None and server.worker.screen_text is None  # --no-screen-text
    assert server.source.sink == server.worker.submit_frame
    assert served["port"] == port and server.host == "localhost"
    model = {"device": "cpu", "dtype": "float32", "frame_tokens": 256}
    assert loads == [{"source": str(tiny_model_dir), **model}]
    with pytest.raises(APIError):  # a model a request names loads the same way (not installed)
        server.pool.get("test/not-installed")
    assert loads[1:] == [{"source": "test/not-installed", **model}]
    assert rules == [str(settings)] and "privacy rules: none" in err
    assert (server.source.spec, server.source.fps, server.source.speed) == (f"file:{clip}", 2.5, 4)
    assert server.worker.memory == 5 and server.worker.live_engine.config.memory_size == 5
    assert server.worker.frame_interval_s == 1 / 2.5
    assert (server.pool.device, server.pool.dtype, server.pool.live) == ("cpu", "float32", True)
    assert bodies == [int(1.5 * 1024 * 1024)]
    assert server.app.user_middleware[0].kwargs["api_key"] == "sk-1"
    assert f"serving http://localhost:{port}/v1 (models: videoscan-live, " in err


def test_serve_reads_the_text_of_a_file_source_by_default(served, clip, tiny_model_dir):
    from videoscan_core.screen_text.live import LiveText

    assert main(["serve", "--model", str(tiny_model_dir), "--source", f"file:{clip}",
                 "--port", str(free_port())]) == 0  # fmt: skip
    server = served["server"]
    assert isinstance(server.text, LiveText) and server.worker.screen_text is server.text
    assert server.source.sink != server.worker.submit_frame  # frames pass the text first


@pytest.mark.parametrize("flags,said", [
    (["--speed", "0"], "--speed must be greater than 0"),
    (["--speed", "inf"], "--speed must be greater than 0 and finite"),
    (["--max-body-mb", "0"], "--max-body-mb must be greater than 0"),
    (["--max-body-mb", "nan"], "--max-body-mb must be greater than 0 and finite"),
    (["--fps", "0"], "--fps must be greater than 0"),
    (["--memory", "0"], "--memory must be at least 1"),
    (["--port", "0"], "--port must be in 1-65535 (got 0)"),
    (["--port", "65536"], "--port must be in 1-65535 (got 65536)"),
    (["--host", "0.0.0.0"], "--host 0.0.0.0 lets other machines connect"),
    (["--source", "tape:1"], "--source tape:1"),
    (["--frame-tokens", "-1"], "--frame-tokens must be 0 to 16384 (got -1)"),
])  # fmt: skip
def test_serve_refuses_bad_values_before_the_model_loads(served, loads, flags, said, capsys):
    assert main(["serve", "--model", "never-loaded", *flags]) != 0
    assert said in capsys.readouterr().err and loads == [] and "server" not in served


# -- mcp ----------------------------------------------------------------------------------------
@pytest.fixture
def mcp_parts(monkeypatch):
    """The worker, the live source and the MCP server the command built (none runs)."""
    pytest.importorskip("mcp")
    import videoscan_core.serve.live as live
    import videoscan_core.serve.mcp_server as mcp_server
    import videoscan_core.serve.worker as worker

    got: dict = {"started": []}

    class Source:
        def __init__(self, spec, sink, fps=1.0, speed=1.0):
            got["source"] = {"spec": spec, "sink": sink, "fps": fps, "speed": speed}

        def start(self):
            got["started"].append("source")

        def stop(self):
            got["started"].append("source stopped")

    class Server:
        def run(self, transport):
            got["transport"] = transport

    real_worker = worker.EngineWorker

    def make_worker(pool, **kwargs):
        got["worker"] = real_worker(pool, **kwargs)
        return got["worker"]

    def build(worker_, alerts_file=None):
        got["built"] = (worker_, alerts_file)
        return Server()

    monkeypatch.setattr(live, "LiveSource", Source)
    monkeypatch.setattr(worker, "EngineWorker", make_worker)
    monkeypatch.setattr(mcp_server, "build_mcp", build)
    return got


def test_mcp_defaults(mcp_parts, loads, rules, tiny_model_dir, monkeypatch):
    import videoscan_core.serve.live as live
    from videoscan_core.capture import SourceSpec

    monkeypatch.setattr(live, "parse_source", SourceSpec.parse)  # opens nothing
    assert main(["mcp", "--model", str(tiny_model_dir)]) == 0
    assert mcp_parts["source"]["spec"] == "screen" and rules == [None]
    assert (mcp_parts["source"]["fps"], mcp_parts["source"]["speed"]) == (1.0, 1.0)
    assert loads == [
        {"source": str(tiny_model_dir), "device": None, "dtype": None, "frame_tokens": 768}
    ]
    worker = mcp_parts["worker"]
    assert worker.memory == 64 and mcp_parts["built"] == (worker, None)
    assert worker.pool.frame_tokens == 768
    assert worker.screen_text is not None  # the screen's text is read by default
    assert mcp_parts["source"]["sink"] != worker.submit_frame


def test_every_mcp_flag_reaches_the_worker_and_the_source(
    mcp_parts, loads, rules, clip, tiny_model_dir, tmp_path, capsys
):
    alerts, settings = tmp_path / "alerts.json", tmp_path / "s.ini"
    code = main([
        "mcp", "--model", str(tiny_model_dir), "--source", f"file:{clip}", "--settings-file",
        str(settings), "--fps", "4", "--speed", "0.5", "--memory", "3", "--alerts-file",
        str(alerts), "--device", "cpu", "--no-screen-text", "--frame-tokens", "0",
    ])  # fmt: skip
    err = capsys.readouterr()
    assert code == 0, err.err
    assert err.out == ""  # stdout is the protocol's alone
    worker = mcp_parts["worker"]
    source = mcp_parts["source"]
    assert (source["spec"], source["fps"], source["speed"]) == (f"file:{clip}", 4.0, 0.5)
    assert source["sink"] == worker.submit_frame and worker.screen_text is None
    assert rules == [str(settings)]
    assert loads == [
        {"source": str(tiny_model_dir), "device": "cpu", "dtype": None, "frame_tokens": 0}
    ]  # 0: the checkpoint's image budget
    assert (worker.pool.frame_tokens, worker.pool.device) == (0, "cpu")  # models a request names
    assert worker.memory == 3 and worker.live_engine.config.memory_size == 3
    assert worker.frame_interval_s == 0.25 and worker.pool.live
    assert mcp_parts["built"] == (worker, str(alerts)) and mcp_parts["transport"] == "stdio"
    assert mcp_parts["started"] == ["source", "source stopped"]


@pytest.mark.parametrize("flags,said", [
    (["--speed", "0"], "--speed must be greater than 0"),
    (["--speed", "nan"], "--speed must be greater than 0 and finite"),
    (["--fps", "-1"], "--fps must be greater than 0"),
    (["--memory", "4097"], "--memory must be at least 1 and at most 4096"),
    (["--source", "file:/no/such.mp4"], "the video file does not exist"),
    (["--frame-tokens", "16385"], "--frame-tokens must be 0 to 16384 (got 16385)"),
])  # fmt: skip
def test_mcp_refuses_bad_values_before_the_model_loads(mcp_parts, loads, clip, flags, said,
                                                       capsys):  # fmt: skip
    assert main(["mcp", "--model", "never-loaded", "--source", f"file:{clip}", *flags]) != 0
    assert said in capsys.readouterr().err and loads == []


# -- watch --------------------------------------------------------------------------------------
@pytest.fixture
def watched(monkeypatch):
    import videoscan_core.stream.alerts as alerts
    import videoscan_core.stream.frame_batches as frame_batches
    import videoscan_core.video as video
    from videoscan_core.stream.engine import StreamingEngine

    got: dict = {}
    real_watcher_init, real_engine_init = alerts.AlertWatcher.__init__, StreamingEngine.__init__
    real_stream, real_sample = frame_batches.stream_frames, video.sample_frames

    def watcher_init(self, conditions=(), every=1, scorer=None):
        real_watcher_init(self, conditions, every, lambda engine, text: 0.9)  # fires at once
        got["watcher"] = self

    def engine_init(self, model, config, *args, **kwargs):
        got["config"] = config
        real_engine_init(self, model, config, *args, **kwargs)

    def stream_frames(engine, samples, batch=4, *args, **kwargs):
        got["batch"] = batch
        return real_stream(engine, samples, batch, *args, **kwargs)

    def sample_frames(path, fps=1.0, *args, **kwargs):
        got["sample"] = (str(path), fps)
        return real_sample(path, fps, *args, **kwargs)

    monkeypatch.setattr(alerts.AlertWatcher, "__init__", watcher_init)
    monkeypatch.setattr(StreamingEngine, "__init__", engine_init)
    monkeypatch.setattr(frame_batches, "stream_frames", stream_frames)
    monkeypatch.setattr(video, "sample_frames", sample_frames)
    return got


def test_watch_defaults(watched, loads, clip, tiny_model_dir, capsys):
    assert main(["watch", str(clip), "--model", str(tiny_model_dir), "--when", "red"]) == 0
    out = capsys.readouterr()
    watcher = watched["watcher"]
    (condition,) = watcher.conditions()
    assert (condition.text, condition.on_threshold, condition.off_threshold) == ("red", 0.6, 0.4)
    assert watcher.every == 1 and watcher.scores_computed == 10  # every frame of 10 s at 1 FPS
    assert watched["sample"] == (str(clip), 1.0) and watched["batch"] == 1
    assert watched["config"].memory_size == 64
    assert loads == [
        {"source": str(tiny_model_dir), "device": None, "dtype": None, "frame_tokens": 768}
    ]
    assert out.out == "    0.00s  0.900  red\n" and "streaming" in out.err  # a line, a bar


def test_every_watch_flag_reaches_the_watcher_and_the_engine(watched, loads, clip,
                                                             tiny_model_dir, capsys):  # fmt: skip
    import json

    code = main([
        "watch", str(clip), "--model", str(tiny_model_dir), "--when", "a red circle",
        "--when", "a dialog", "--every", "3", "--memory", "5", "--fps", "2", "--on", "0.85",
        "--off", "0.15", "--device", "cpu", "--dtype", "float32", "--json", "--no-progress",
        "--frame-tokens", "1024",
    ])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    watcher = watched["watcher"]
    assert [(c.text, c.on_threshold, c.off_threshold) for c in watcher.conditions()] == [
        ("a red circle", 0.85, 0.15), ("a dialog", 0.85, 0.15)
    ]  # fmt: skip
    report = json.loads(out.out)
    frames = report["frames_seen"]
    assert watched["sample"] == (str(clip), 2.0) and frames == 20  # --fps 2 over 10 s
    assert watcher.every == 3 and watcher.scores_computed == 2 * math.ceil(frames / 3)
    assert watched["config"].memory_size == 5
    assert (watched["config"].device, watched["config"].dtype) == ("cpu", "float32")
    assert loads == [
        {"source": str(tiny_model_dir), "device": "cpu", "dtype": "float32", "frame_tokens": 1024}
    ]
    assert [a["condition"] for a in report["alerts"]] == ["a red circle", "a dialog"]
    assert out.err == ""  # --no-progress, --json: nothing on stderr


@pytest.mark.parametrize("flags,said", [
    (["--every", "0"], "--every must be at least 1 (got 0)"),
    (["--on", "1.5"], "thresholds must satisfy 0 <= off <= on <= 1"),
    (["--on", "0.3", "--off", "0.4"], "thresholds must satisfy"),
    (["--memory", "0"], "--memory must be at least 1"),
    (["--fps", "0"], "--fps must be greater than 0"),
    (["--frame-tokens", "-5"], "--frame-tokens must be 0 to 16384 (got -5)"),
])  # fmt: skip
def test_watch_refuses_bad_values_before_the_model_loads(loads, clip, flags, said, capsys):
    assert main(["watch", str(clip), "--model", "never", "--when", "x", *flags]) != 0
    assert said in capsys.readouterr().err and loads == []
