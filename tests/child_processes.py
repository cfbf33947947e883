"""No test leaves a process behind (registered by the root conftest).

On Linux the pytest process becomes a child subreaper, so a process whose parent ended (a server
left by an ``strace`` that detached, a grandchild of a child that exited) is re-parented to
pytest instead of init and is still seen here. After each test every descendant that did not
exist before it must have ended: one the test stopped without waiting for gets
``EXIT_GRACE_S`` to go, a survivor is killed and the test fails with its command line.
Library helpers that live for the whole session by design (``HELPERS``) are not counted.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
import time

import psutil
import pytest

PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
EXIT_GRACE_S = 30.0  # for a process being stopped; a leak costs this once, a clean test nothing
HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")
EXEC_WAIT_S = 5.0  # a child caught inside execve shows an empty command line for an instant


def become_subreaper() -> bool:
    """Orphaned descendants of this process are re-parented to it (Linux only)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


Key = tuple[int, float]  # pid and start time: a reused pid is another process


def _command_line(process: psutil.Process) -> str:
    """The process's command line, once it has one: the kernel sets it late in ``execve``, so
    a child read just after ``Popen`` (or a grandchild just forked) may show none yet."""
    deadline = time.monotonic() + EXEC_WAIT_S
    while not (words := process.cmdline()) and time.monotonic() < deadline:
        if process.status() == psutil.STATUS_ZOMBIE:
            break
        time.sleep(0.001)
    return " ".join(words)


def descendants() -> dict[Key, psutil.Process]:
    found = {}
    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if not any(helper in _command_line(process) for helper in HELPERS):
                found[(process.pid, process.create_time())] = process
    return found


def _describe(process: psutil.Process) -> str:
    try:
        return f"pid {process.pid}: {_command_line(process)[:200]}"
    except psutil.Error:
        return f"pid {process.pid}"


def leftovers(before: dict[Key, psutil.Process], grace_s: float = EXIT_GRACE_S) -> list[str]:
    """Descendants started since ``before`` that are still running after ``grace_s`` (each is
    killed; the ones that ended are reaped). Returns their descriptions."""
    new = [process for key, process in descendants().items() if key not in before]
    if not new:
        return []
    _, alive = psutil.wait_procs(new, timeout=grace_s)
    described = [_describe(process) for process in alive]
    for process in alive:
        with contextlib.suppress(psutil.Error):
            process.kill()
    psutil.wait_procs(alive, timeout=10)
    return described


def pytest_configure(config) -> None:
    become_subreaper()


@pytest.fixture(autouse=True)
def no_process_left_behind():
    before = descendants()
    yield
    left = leftovers(before)
    if left:
        pytest.fail("the test left processes running (now killed): " + "; ".join(left))
