"""A torchrun process ends with its code and its output flushed, without the interpreter shutdown
(where gloo's worker threads can abort it); outside torchrun the caller exits as usual."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from videoscan_core.train.torchrun import end_process

ROOT = Path(__file__).parents[2]
# an atexit handler shows whether the interpreter shutdown ran
CHILD = (
    "import atexit, logging, sys\n"
    "from videoscan_core.train.torchrun import end_process\n"
    "atexit.register(lambda: print('shutdown ran'))\n"
    "logging.basicConfig(stream=sys.stderr)\n"
    "print('model written', end='')\n"
    "logging.getLogger('videoscan').warning('last log line')\n"
    "end_process(3)\n"
    "print('after end_process')\n"
)


def run_child(env: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**env, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True,
                          timeout=120)  # fmt: skip


def test_a_torchrun_process_ends_at_once_with_its_output_flushed():
    env = {**os.environ, "LOCAL_RANK": "0"}
    done = run_child(env)
    assert done.returncode == 3
    assert done.stdout == "model written"  # flushed, and neither the rest nor atexit ran
    assert "last log line" in done.stderr


def test_outside_torchrun_end_process_returns(monkeypatch):
    env = {key: value for key, value in os.environ.items() if key != "LOCAL_RANK"}
    done = run_child(env)
    assert done.returncode == 0
    assert done.stdout == "model writtenafter end_process\nshutdown ran\n"
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    assert end_process(0) is None
