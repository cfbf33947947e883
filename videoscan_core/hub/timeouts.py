"""Time limits for every Hugging Face hub call, and calls that a cancel can abandon.

Contract: ``install_hub_timeouts()`` (idempotent, cheap) makes huggingface_hub's shared HTTP
client give every request a connect limit of ``CONNECT_S`` and read/write/pool limits of
``READ_S`` seconds where the library passes none (its repo-info call, the first request of a
download, passes ``timeout=None`` and so could wait forever on a network that accepts connections
but never answers). Limits the library sets itself (file downloads: ``HF_HUB_DOWNLOAD_TIMEOUT``)
are kept, and so is its retry policy for file transfers (``http_backoff``: 5 retries with backoff
on timeouts, connection errors, 429 and 5xx). ``VIDEOSCAN_HUB_CONNECT_TIMEOUT`` and
``VIDEOSCAN_HUB_READ_TIMEOUT`` override the limits (seconds).

``network_problem(error)`` puts a network failure in words: the time limit that ran out, or a
connection that failed at once (then no limit is named).
``retrying(call, attempts, wait_s, cancel)`` retries a metadata call on timeouts and connection
errors. ``run_cancellable(call, cancel, on_wait)`` runs a blocking call in a daemon thread and
returns its result, or raises ``Abandoned`` within ``POLL_S`` of ``cancel`` being set (the
abandoned call ends on its own at its time limit); ``on_wait(seconds)`` is called about once a
second while it runs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from ..errors import first_line

T = TypeVar("T")
CONNECT_S = 10.0
READ_S = 30.0
POLL_S = 0.1
_installed = False
_lock = threading.Lock()


class Abandoned(Exception):
    """The call was left running because ``cancel`` was set."""


def limits() -> dict[str, float]:
    """The limits now in force: connect, read, write, pool (seconds)."""
    connect = float(os.environ.get("VIDEOSCAN_HUB_CONNECT_TIMEOUT") or CONNECT_S)
    read = float(os.environ.get("VIDEOSCAN_HUB_READ_TIMEOUT") or READ_S)
    return {"connect": connect, "read": read, "write": read, "pool": read}


def _fill_timeouts(request) -> None:
    """httpx request hook: fill the limits the caller left unset (None)."""
    given = request.extensions.get("timeout") or {}
    request.extensions["timeout"] = {
        name: given.get(name) if given.get(name) is not None else value
        for name, value in limits().items()
    }


def install_hub_timeouts() -> None:
    """Give huggingface_hub's shared client default time limits (once per process)."""
    global _installed
    with _lock:
        if _installed:
            return
        import huggingface_hub
        from huggingface_hub.utils import _http

        base = _http.default_client_factory

        def factory():
            client = base()
            hooks = client.event_hooks
            hooks["request"] = [*hooks.get("request", []), _fill_timeouts]
            client.event_hooks = hooks
            return client

        huggingface_hub.set_client_factory(factory)
        _installed = True


def is_network_error(error: BaseException) -> bool:
    """A timeout or connection failure anywhere in ``error``'s chain."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        names = {cls.__name__ for cls in type(current).__mro__}
        if names & {"TimeoutException", "TimeoutError", "ConnectError", "NetworkError"}:
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def network_problem(error: BaseException) -> str:
    """What went wrong with the hub, in words: a time limit that ran out (naming that limit) or
    a connection that failed at once (no network, a refused connection, a name not found)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        names = {cls.__name__ for cls in type(current).__mro__}
        if "ConnectTimeout" in names:
            limit = limits()["connect"]
            return f"the Hugging Face hub did not accept a connection within {limit:g} s"
        if names & {"TimeoutException", "TimeoutError"}:
            return (
                f"the Hugging Face hub did not answer within {limits()['read']:g} s (a network or "
                "proxy that does not answer?)"
            )
        if names & {"ConnectError", "NetworkError"}:
            detail = f": {first_line(current)}" if str(current).strip() else ""
            return f"cannot reach the Hugging Face hub{detail} (no network, or a proxy?)"
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return "the Hugging Face hub cannot be reached"


def retrying(
    call: Callable[[], T],
    attempts: int = 2,
    wait_s: float = 1.0,
    cancel: threading.Event | None = None,
) -> T:
    """``call()``, tried up to ``attempts`` times while it fails on the network."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as error:
            if attempt == attempts or not is_network_error(error):
                raise
            if cancel is not None and cancel.wait(wait_s * attempt):
                raise
            if cancel is None:
                time.sleep(wait_s * attempt)
    raise AssertionError("unreachable")


def run_cancellable(
    call: Callable[[], T],
    cancel: threading.Event,
    on_wait: Callable[[float], None] | None = None,
) -> T:
    """Run ``call`` in a daemon thread; give up on it as soon as ``cancel`` is set."""
    outcome: dict[str, object] = {}
    done = threading.Event()

    def work() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=work, name="hub-call", daemon=True).start()
    started = last_tick = time.monotonic()
    while not done.wait(POLL_S):
        if cancel.is_set():
            raise Abandoned
        now = time.monotonic()
        if on_wait is not None and now - last_tick >= 1.0:
            last_tick = now
            on_wait(now - started)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
