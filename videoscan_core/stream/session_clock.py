"""Map each source's own clock onto the stream's one timeline.

Contract: a stream is one session; its frames come in segments, one per source (or one per time
a source was restarted). Inside a segment, timestamps are the source's own seconds and must not go
backwards. ``new_segment()`` says the next timestamp comes from a clock that may have restarted:
the first timestamp ``t0`` of the new segment is mapped to ``max(t0, last)`` (``last`` = the last
stream time), and the rest of the segment keeps that offset, so the stream's time never goes
backwards across a switch. ``to_stream(t, last)`` is pure (it can be asked twice for the same
frame); ``settle(t, mapped)`` fixes the segment's offset once a frame was accepted. A new session
(``StreamingEngine.reset``) starts a fresh clock. Qt-free and torch-free.
"""

from __future__ import annotations


class SessionClock:
    def __init__(self) -> None:
        self.offset = 0.0  # added to the current segment's source time
        self.segments = 1
        self._rebase = False  # the next timestamp starts a segment whose clock may have restarted

    def new_segment(self) -> None:
        """The next frames come from a source whose clock may have restarted."""
        self._rebase = True
        self.segments += 1

    def to_stream(self, source_time: float, last: float | None) -> float:
        """The stream time of a frame at ``source_time`` on the current segment's clock."""
        if self._rebase:
            return source_time if last is None else max(source_time, last)
        return source_time + self.offset

    def to_stream_all(self, source_times: list[float], last: float | None) -> list[float]:
        """Stream times of consecutive frames of one segment (the first may start it)."""
        if not source_times:
            return []
        first = self.to_stream(source_times[0], last)
        offset = first - source_times[0]
        return [first] + [t + offset for t in source_times[1:]]

    def settle(self, source_time: float, stream_time: float) -> None:
        """A frame at ``source_time`` was accepted at ``stream_time``: the segment keeps this
        offset from now on."""
        if self._rebase:
            self.offset = stream_time - source_time
            self._rebase = False
