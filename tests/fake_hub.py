"""A tiny local stand-in for the Hugging Face Hub HTTP API, for download tests.

Contract: ``FakeHub({repo_id: {filename: bytes}})`` serves model repos from memory on
``http://127.0.0.1:<port>`` (``hub.url``), in a background thread, until ``close()`` (or the end of
a ``with`` block). It implements only what ``huggingface_hub.snapshot_download(repo_id)`` and its
``dry_run=True`` form use over plain HTTP:

* ``GET /api/models/{repo}`` and ``/api/models/{repo}/revision/{rev}``: repo info (``id``,
  ``sha`` = a 40-hex commit hash derived from the content, ``siblings`` with sizes);
* ``GET /api/models/{repo}/tree/{rev}``: the recursive file listing (one page);
* ``HEAD``/``GET /{repo}/resolve/{rev}/{filename}``: ``X-Repo-Commit``, ``ETag`` (the sha256 of
  the file, quoted), ``Content-Length``, ``Accept-Ranges``; a ``Range: bytes=N-`` request gets
  ``206`` with ``Content-Range``. No Xet headers are sent, so the client uses plain HTTP.

``rev`` is not checked (the client sends ``main``, then the hash). An unknown repo gets ``404`` with
``X-Error-Code: RepoNotFound`` (the client raises ``RepositoryNotFoundError``), an unknown file
``404`` with ``X-Error-Code: EntryNotFound``. Every request is recorded in ``hub.requests`` as a
``Seen(method, path, range)`` (path without the query string). File bodies are written in
``chunk_size`` pieces and ``before_chunk(filename, offset)``, if set, is called before each piece
(from the server thread): a test can count, block or fail there to slow or cut a transfer.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import unquote, urlsplit


class Seen(NamedTuple):
    method: str
    path: str
    range: str | None


class FakeHub:
    def __init__(
        self,
        repos: dict[str, dict[str, bytes]],
        chunk_size: int = 64 * 1024,
        before_chunk: Callable[[str, int], None] | None = None,
    ) -> None:
        self.repos = repos
        self.chunk_size = chunk_size
        self.before_chunk = before_chunk
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def sha(self, repo_id: str) -> str:
        digest = hashlib.sha1()
        for name, data in sorted(self.repos[repo_id].items()):
            digest.update(name.encode() + b"\0" + hashlib.sha1(data).digest())
        return digest.hexdigest()

    def seen(self, method: str | None = None) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if method is None or r.method == method]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _split_repo(rest: str, marker: str) -> tuple[str, str] | None:
    """``ns/name{marker}tail`` -> (repo_id, tail), or None when the marker is absent."""
    repo_id, found, tail = rest.partition(marker)
    return (repo_id, tail) if found else None


def _handler_for(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep the test output quiet
            pass

        def do_HEAD(self) -> None:  # http.server naming
            self._route(body=False)

        def do_GET(self) -> None:
            self._route(body=True)

        def _route(self, body: bool) -> None:
            path = unquote(urlsplit(self.path).path)
            with hub._lock:
                hub.requests.append(Seen(self.command, path, self.headers.get("Range")))
            if path.startswith("/api/models/"):
                rest = path[len("/api/models/") :]
                tree = _split_repo(rest, "/tree/")
                if tree is not None:
                    return self._tree(tree[0], body)
                info = _split_repo(rest, "/revision/")
                return self._info(info[0] if info else rest, body)
            resolve = _split_repo(path.lstrip("/"), "/resolve/")
            if resolve is None:
                return self._send(404, b"", {"X-Error-Code": "EntryNotFound"}, body)
            repo_id, tail = resolve
            _revision, _, filename = tail.partition("/")
            return self._file(repo_id, filename, body)

        def _missing_repo(self, body: bool) -> None:
            message = "Repository not found"
            headers = {"X-Error-Code": "RepoNotFound", "X-Error-Message": message}
            self._send(404, json.dumps({"error": message}).encode(), headers, body)

        def _info(self, repo_id: str, body: bool) -> None:
            if repo_id not in hub.repos:
                return self._missing_repo(body)
            files = hub.repos[repo_id]
            siblings = [{"rfilename": n, "size": len(d)} for n, d in sorted(files.items())]
            data = {"id": repo_id, "modelId": repo_id, "sha": hub.sha(repo_id), "private": False}
            self._json({**data, "siblings": siblings}, body)

        def _tree(self, repo_id: str, body: bool) -> None:
            if repo_id not in hub.repos:
                return self._missing_repo(body)
            entries = [
                {"type": "file", "path": n, "size": len(d), "oid": hashlib.sha1(d).hexdigest()}
                for n, d in sorted(hub.repos[repo_id].items())
            ]
            self._json(entries, body)

        def _json(self, value: object, body: bool) -> None:
            self._send(200, json.dumps(value).encode(), {"Content-Type": "application/json"}, body)

        def _file(self, repo_id: str, filename: str, body: bool) -> None:
            if repo_id not in hub.repos:
                return self._missing_repo(body)
            commit = {"X-Repo-Commit": hub.sha(repo_id)}
            data = hub.repos[repo_id].get(filename)
            if data is None:
                return self._send(404, b"", {**commit, "X-Error-Code": "EntryNotFound"}, body)
            headers = {
                **commit,
                "ETag": f'"{hashlib.sha256(data).hexdigest()}"',
                "Accept-Ranges": "bytes",
                "Content-Type": "application/octet-stream",
            }
            start, status = 0, 200
            wanted = self.headers.get("Range")
            if wanted and wanted.startswith("bytes=") and wanted.endswith("-"):
                start, status = int(wanted[len("bytes=") : -1]), 206
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            self._send(status, data[start:], headers, body, filename, start)

        def _send(
            self,
            status: int,
            payload: bytes,
            headers: dict[str, str],
            body: bool,
            filename: str = "",
            offset: int = 0,
        ) -> None:
            self.send_response(status)
            for key, value in {**headers, "Content-Length": str(len(payload))}.items():
                self.send_header(key, value)
            self.end_headers()
            if not body:
                return
            try:
                for at in range(0, len(payload), hub.chunk_size):
                    if filename and hub.before_chunk is not None:
                        hub.before_chunk(filename, offset + at)
                    self.wfile.write(payload[at : at + hub.chunk_size])
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client went away (e.g. a cancelled download)

    return Handler
