"""Wait for a child process to say something, without polling: a thread copies the child's
stderr line by line to a file (for the test's later assertions) and wakes waiters on each line."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import IO


class OutputWatch:
    def __init__(self, stream: IO[str], path: Path) -> None:
        self.path = path
        self._text = ""
        self._closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._copy, args=(stream,), daemon=True)
        self._thread.start()

    def _copy(self, stream: IO[str]) -> None:
        with open(self.path, "w") as copy:
            for line in stream:
                copy.write(line)
                copy.flush()
                with self._changed:
                    self._text += line
                    self._changed.notify_all()
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def wait_for(self, text: str, timeout: float) -> bool:
        """True once ``text`` has been written; False if the stream ends or time runs out."""
        with self._changed:
            self._changed.wait_for(lambda: text in self._text or self._closed, timeout)
            return text in self._text

    def text(self) -> str:
        with self._changed:
            return self._text

    def join(self, timeout: float = 10) -> None:
        self._thread.join(timeout)
