"""Connections that never finish their request headers are closed (slowloris).

Contract: ``header_timeout_protocol(seconds)`` returns uvicorn's h11 protocol class with a header
deadline: a connection is closed when ``seconds`` pass, from its opening or from the end of its
last response, without a complete request head (uvicorn alone held 300 half-open connections
for as long as each sent a byte now and then). A request whose head has arrived is not timed
here (its body and answer may take long).
"""

from __future__ import annotations

import asyncio

HEADER_TIMEOUT_S = 10.0


def header_timeout_protocol(seconds: float = HEADER_TIMEOUT_S) -> type:
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeoutProtocol(H11Protocol):
        _header_deadline: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self._header_deadline = self.loop.call_later(seconds, self._too_slow)

        def _disarm(self) -> None:
            if self._header_deadline is not None:
                self._header_deadline.cancel()
                self._header_deadline = None

        def _too_slow(self) -> None:
            self._header_deadline = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc) -> None:
            self._disarm()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete:
                self._disarm()  # a request head has arrived

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request's head is timed again

    return HeaderTimeoutProtocol
