"""Network guard for tests: every non-loopback connection and DNS lookup fails and is recorded.

Two layers, because some libraries talk to the network from native code:

- Python: ``install()`` patches ``socket.getaddrinfo``, ``gethostbyname(_ex)``,
  ``gethostbyaddr``, ``socket.socket.connect/connect_ex/sendto`` and ``socket.create_connection``.
  A lookup of a name that is not local, or a connection/datagram to an address that is not
  loopback, raises ``OSError("netguard: blocked ...")`` and is appended as one JSON line to the file
  named by ``NETGUARD_LOG`` (and to ``ATTEMPTS``). Loopback (127.0.0.0/8, ::1, ``localhost``) and
  Unix sockets pass, so local test servers work.
- System calls: ``run_guarded`` also runs the child under ``strace -f`` (when installed) and
  records every ``connect``/``sendto``/``sendmsg`` to a non-loopback address or to port 53 (a DNS
  query, even to a local resolver) made by any thread, Python or native (onnxruntime, hf_xet).

``run_guarded(code_or_argv, env=...)`` starts ``python -c PREAMBLE + code`` (or an entry point
``module:function`` with arguments) with the guard installed and returns a ``GuardedRun`` with
the process result and the attempts of both layers; ``GuardedProcess`` does the same for a
child that runs until stopped (a server). ``tree_snapshot``/``new_paths`` compare a
folder before and after a run (files written outside the app's own folders).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ATTEMPTS: list[dict] = []
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _is_loopback_host(host) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): a local wildcard/loopback address
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%")[0].lower()
    if host in _LOCAL_NAMES or host == "":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_address(host) -> bool:
    try:
        ipaddress.ip_address(str(host).strip("[]").split("%")[0])
        return True
    except ValueError:
        return False


def _record(kind: str, target: str) -> OSError:
    entry = {"kind": kind, "target": target, "pid": os.getpid()}
    ATTEMPTS.append(entry)
    log = os.environ.get("NETGUARD_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
    print(f"netguard: blocked {kind} {target}", file=sys.stderr)
    return OSError(f"netguard: blocked {kind} {target}")


def install() -> None:
    """Patch the socket module in this process (idempotent)."""
    if getattr(socket, "_netguard_installed", False):
        return
    socket._netguard_installed = True
    real_getaddrinfo = socket.getaddrinfo
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_sendto = socket.socket.sendto
    real_create_connection = socket.create_connection

    def getaddrinfo(host, port, *args, **kwargs):
        if not _is_loopback_host(host):
            kind = "connection" if _is_address(host) else "dns lookup"
            raise _record(kind, f"{host}:{port}")
        return real_getaddrinfo(host, port, *args, **kwargs)

    def by_name(real):
        def lookup(host, *args, **kwargs):
            if not _is_loopback_host(host):
                raise _record("dns lookup", str(host))
            return real(host, *args, **kwargs)

        return lookup

    def check_address(sock, address, kind: str) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            if not _is_loopback_host(address[0]) or address[1] == 53:
                raise _record(kind, f"{address[0]}:{address[1]}")

    def connect(self, address):
        check_address(self, address, "connection")
        return real_connect(self, address)

    def connect_ex(self, address):
        check_address(self, address, "connection")
        return real_connect_ex(self, address)

    def sendto(self, data, *args):
        check_address(self, args[-1], "datagram")
        return real_sendto(self, data, *args)

    def create_connection(address, *args, **kwargs):
        if not _is_loopback_host(address[0]):
            raise _record("connection", f"{address[0]}:{address[1]}")
        return real_create_connection(address, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = by_name(socket.gethostbyname)
    socket.gethostbyname_ex = by_name(socket.gethostbyname_ex)
    socket.gethostbyaddr = by_name(socket.gethostbyaddr)
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.socket.sendto = sendto
    socket.create_connection = create_connection


PREAMBLE = (
    f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
    "from tests.netguard import install; install()\n"
)

_ADDRESS = re.compile(
    r"sin6?_port=htons\((\d+)\).*?(?:inet_addr\(\"([^\"]+)\"\)|inet_pton\(AF_INET6?, \"([^\"]+)\")"
)


def syscall_attempts(trace: str) -> list[dict]:
    """Non-loopback or DNS (port 53) destinations in ``strace -e trace=network`` output."""
    found = []
    for line in trace.splitlines():
        if not re.search(r"\b(connect|sendto|sendmsg)\(", line):
            continue
        match = _ADDRESS.search(line)
        if not match:
            continue
        port, host = int(match.group(1)), match.group(2) or match.group(3)
        if port == 0 and host in ("0.0.0.0", "::"):
            continue  # connect(AF_UNSPEC) resets a datagram socket; nothing is sent
        if port == 53 or not _is_loopback_host(host):
            found.append({"kind": "syscall", "target": f"{host}:{port}", "line": line.strip()})
    return found


@dataclass
class GuardedRun:
    result: subprocess.CompletedProcess
    python_attempts: list[dict] = field(default_factory=list)
    syscall_attempts: list[dict] = field(default_factory=list)
    traced: bool = False

    @property
    def attempts(self) -> list[dict]:
        return self.python_attempts + self.syscall_attempts


def run_guarded(
    code: str | None = None,
    *,
    entry: str | None = None,
    args: list[str] | tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    timeout: float = 300,
    trace: bool = True,
    cwd: str | os.PathLike | None = None,
) -> GuardedRun:
    """Run ``code`` (Python source) or ``entry`` (``module:function`` called with ``args`` as its
    argv, like a console script) in a child Python with the guard installed."""
    if entry is not None:
        module, function = entry.split(":")
        code = f"from {module} import {function} as _main\nsys.exit(_main(sys.argv[1:]))\n"
    assert code is not None
    with tempfile.TemporaryDirectory(prefix="netguard-") as work:
        log = Path(work) / "attempts.jsonl"
        child_env = dict(os.environ if env is None else env)
        child_env["NETGUARD_LOG"] = str(log)
        command = [sys.executable, "-c", PREAMBLE + code, *args]
        strace = shutil.which("strace") if trace else None
        trace_file = Path(work) / "strace.txt"
        if strace:
            command = [strace, "-f", "-qq", "-e", "trace=network", "-o", str(trace_file), *command]
        result = subprocess.run(
            command, env=child_env, capture_output=True, text=True, timeout=timeout, cwd=cwd
        )
        python = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        native = syscall_attempts(trace_file.read_text()) if trace_file.exists() else []
    return GuardedRun(result, python, native, traced=bool(strace))


class GuardedProcess:
    """``run_guarded`` for a long-running child (a server): ``start()``, talk to it, ``stop()``
    (SIGINT, bounded wait) returns the ``GuardedRun``."""

    def __init__(self, entry: str, args, env=None, trace: bool = True) -> None:
        module, function = entry.split(":")
        code = f"from {module} import {function} as _main\nsys.exit(_main(sys.argv[1:]))\n"
        self.work = tempfile.TemporaryDirectory(prefix="netguard-")
        folder = Path(self.work.name)
        self.log, self.trace_file = folder / "attempts.jsonl", folder / "strace.txt"
        self.stderr_path = folder / "stderr.txt"
        self.env = dict(os.environ if env is None else env)
        self.env["NETGUARD_LOG"] = str(self.log)
        self.command = [sys.executable, "-c", PREAMBLE + code, *args]
        self.strace = shutil.which("strace") if trace else None
        if self.strace:
            self.command = [self.strace, "-f", "-qq", "-e", "trace=network", "-o",
                            str(self.trace_file), *self.command]  # fmt: skip
        self.process: subprocess.Popen | None = None

    def start(self) -> GuardedProcess:
        from tests.output_watch import OutputWatch

        self.process = subprocess.Popen(
            self.command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.output = OutputWatch(self.process.stderr, self.stderr_path)
        return self

    def wait_for_stderr(self, text: str, timeout: float) -> bool:
        """True once the child has written ``text`` on stderr (False if it ended first)."""
        return self.output.wait_for(text, timeout)

    def stderr(self) -> str:
        return self.output.text()

    def _server(self):
        """The child itself (a psutil.Process), not ``strace``: strace stops tracing and exits
        on SIGINT, leaving the child running. None once it has ended."""
        import psutil

        assert self.process is not None
        try:
            process = psutil.Process(self.process.pid)
            if not self.strace:
                return process
            children = process.children()  # strace starts the command as its only child
        except psutil.NoSuchProcess:
            return None
        return children[0] if children else None

    def stop(self, timeout: float = 30) -> GuardedRun:
        """SIGINT to the child (strace ends when its child does), a bounded wait, then SIGKILL."""
        import signal

        import psutil

        assert self.process is not None
        server = self._server()
        if self.process.poll() is None:
            try:
                if server is not None:
                    server.send_signal(signal.SIGINT)
                else:  # strace has not started its child yet
                    self.process.send_signal(signal.SIGINT)
                self.process.wait(timeout)
            except psutil.NoSuchProcess:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                if server is not None:
                    with contextlib.suppress(psutil.NoSuchProcess):
                        server.kill()
                self.process.kill()
                self.process.wait(10)
        self.output.join()
        lines = self.log.read_text().splitlines() if self.log.exists() else []
        native = syscall_attempts(self.trace_file.read_text()) if self.trace_file.exists() else []
        result = subprocess.CompletedProcess(
            self.command, self.process.returncode, "", self.stderr()
        )
        run = GuardedRun(result, [json.loads(line) for line in lines], native, bool(self.strace))
        self.work.cleanup()
        return run


def tree_snapshot(root: str | os.PathLike) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` (relative path -> (size, mtime_ns))."""
    root = Path(root)
    snapshot = {}
    for path in root.rglob("*"):
        if path.is_file() or path.is_symlink():
            stat = path.lstat()
            snapshot[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return snapshot


def new_paths(
    before: dict[str, tuple[int, int]],
    after: dict[str, tuple[int, int]],
    allowed: tuple[str, ...] = (),
) -> list[str]:
    """Files created or changed between two snapshots, except under the ``allowed`` prefixes."""
    changed = [path for path, info in after.items() if before.get(path) != info]
    return sorted(path for path in changed if not path.startswith(allowed))
