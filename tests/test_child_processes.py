"""The harness itself: a process a test leaves behind is found (orphans included), and the
network guard's ``GuardedProcess.stop`` ends the traced server, not just ``strace``."""

from __future__ import annotations

import shutil
import subprocess
import sys

import psutil
import pytest

from tests.child_processes import descendants, leftovers
from tests.netguard import GuardedProcess

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux subreaper")


def test_a_child_left_running_is_found_and_killed():
    before = descendants()
    child = subprocess.Popen(["sleep", "300"])
    left = leftovers(before, grace_s=0)
    assert left == [f"pid {child.pid}: sleep 300"]
    assert not psutil.pid_exists(child.pid)  # killed (and reaped) by the check
    child.wait(10)


def test_an_orphan_whose_parent_exited_is_found_too():
    """`sh` starts `sleep` in the background and exits: the sleep is re-parented to pytest."""
    before = descendants()
    subprocess.run(["sh", "-c", "sleep 301 >/dev/null 2>&1 &"], check=True, capture_output=True)
    left = leftovers(before, grace_s=0)
    assert len(left) == 1 and left[0].endswith("sleep 301"), left


def test_a_child_that_ended_is_not_a_leftover():
    before = descendants()
    subprocess.run(["true"], check=True)
    stopped = subprocess.Popen(["sleep", "302"])
    stopped.terminate()  # stopped but not waited for: it is given time to go
    assert leftovers(before) == []


def test_stopping_a_traced_server_ends_the_server_itself():
    """SIGINT to `strace -f` detaches it and leaves its child running: stop() signals the child."""
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed")
    server = GuardedProcess(
        "tests.test_child_processes:serve_until_interrupted", [], trace=True
    ).start()
    assert server.wait_for_stderr("listening", 60), server.stderr()
    (child,) = psutil.Process(server.process.pid).children()
    run = server.stop()
    assert run.result.returncode == 0 and "interrupted" in run.result.stderr
    assert not child.is_running()


def serve_until_interrupted(argv) -> int:
    """A stand-in server: says it listens, then waits for Ctrl-C."""
    import threading

    print("listening", file=sys.stderr, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
    return 0
