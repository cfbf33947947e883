"""The server's front door: what every HTTP request must show before any route runs.

Contract: ``Gate(app, api_key, loopback)`` wraps an ASGI app. A request is answered with an
OpenAI error body, and never reaches a route, when:
- the server listens on loopback and its ``Host`` header is not a loopback name (127.0.0.1,
  localhost, [::1], with or without a port): 403 ``untrusted_host`` (a DNS-rebinding page names
  its own host);
- it carries an ``Origin`` header: 403 ``browser_origin`` (web pages send one; programs do not, and
  a page must not drive a model that sees the user's screen);
- an ``api_key`` is set and ``Authorization: Bearer <key>`` is missing or wrong: 401
  ``invalid_api_key`` (every path, ``/health`` included); a header that is not ASCII is wrong;
- it is a POST whose ``Content-Type`` is not ``application/json``: 415 (a page can send
  ``text/plain`` without asking the browser first).
Everything is checked from the headers alone, before the body is read.
"""

from __future__ import annotations

import hmac

from starlette.datastructures import Headers
from starlette.responses import JSONResponse

from .protocol import APIError

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]", "::1")


def host_name(header: str) -> str:
    """The host of a ``Host`` header, without its port (``[::1]:80`` -> ``[::1]``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[: header.find("]") + 1] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class Gate:
    def __init__(self, app, api_key: str | None, loopback: bool) -> None:
        self.app, self.api_key, self.loopback = app, api_key, loopback

    def problem(self, headers: Headers, method: str) -> APIError | None:
        host = headers.get("host")
        if self.loopback and host is not None and host_name(host) not in LOOPBACK_NAMES:
            return APIError(403, "this server answers only requests addressed to 127.0.0.1 or "
                            "localhost", code="untrusted_host")  # fmt: skip
        if "origin" in headers:
            return APIError(403, "requests from web pages are refused", code="browser_origin")
        if self.api_key and not self._key_matches(headers.get("authorization", "")):
            return APIError(401, "Incorrect API key provided", code="invalid_api_key")
        kind = headers.get("content-type", "").split(";")[0].strip().lower()
        if method == "POST" and kind != "application/json":
            return APIError(
                415, "send the body as JSON with Content-Type: application/json",
                code="unsupported_media_type",
            )  # fmt: skip
        return None

    def _key_matches(self, header: str) -> bool:
        scheme, _, given = header.partition(" ")
        try:
            given_bytes, key_bytes = given.strip().encode("ascii"), (self.api_key or "").encode()
        except UnicodeEncodeError:
            return False
        return scheme.lower() == "bearer" and hmac.compare_digest(given_bytes, key_bytes)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            error = self.problem(Headers(scope=scope), scope["method"])
            if error is not None:
                response = JSONResponse(error.body(), status_code=error.status)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
