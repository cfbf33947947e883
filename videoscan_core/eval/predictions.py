"""Per-item predictions written as they are made (JSON lines), so a run can resume.

Contract: ``PredictionLog(path)`` checks at once that ``path`` can be written (its folder exists
and is writable; raises ``VideoScanError`` otherwise), reads the rows already there (a torn last
line from an interrupted run is dropped) and ``done`` = their item ids; the file is rewritten
without the torn line through a temporary file that replaces it (a kill during the rewrite leaves
the old file whole). ``append(row)`` writes one row and flushes it to disk before returning.
``rows()`` = earlier rows + appended ones. ``merge(paths, out)`` joins shard files into one,
ordered by item id, each id once (written the same way: whole or not at all).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import VideoScanError


def _read(path: Path) -> list[dict]:
    rows: list[dict] = []
    if not path.exists():
        return rows
    for line in path.read_text().splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue  # the line being written when the run stopped
        if isinstance(row, dict) and "id" in row:
            rows.append(row)
    return rows


def write_rows(path: Path, rows: list[dict]) -> None:
    """Replace ``path`` with ``rows`` (JSON lines) atomically: a temporary file next to it,
    flushed to disk, then renamed over it."""
    partial = path.with_name(f".{path.name}.partial")
    with open(partial, "w") as file:
        file.writelines(json.dumps(row) + "\n" for row in rows)
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def _id_key(item_id: str) -> tuple:
    return (0, int(item_id), "") if str(item_id).isdigit() else (1, 0, str(item_id))


class PredictionLog:
    def __init__(self, path: str | Path, resume: bool = True) -> None:
        self.path = Path(path).expanduser()
        folder = self.path.parent
        if not folder.is_dir():
            raise VideoScanError(f"cannot write predictions to {self.path}: {folder} is no folder")
        if self.path.is_dir():
            raise VideoScanError(f"cannot write predictions to {self.path}: it is a folder")
        self._earlier = _read(self.path) if resume else []
        try:
            if self._earlier:  # rewritten without a torn last line, whole or not at all
                write_rows(self.path, self._earlier)
            mode = "a" if resume else "w"
            self._file = open(self.path, mode)  # noqa: SIM115 - kept open for the run
        except OSError as error:
            raise VideoScanError(f"cannot write predictions to {self.path}: {error}") from None
        self._new: list[dict] = []
        self.done = {str(row["id"]) for row in self._earlier}

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def append(self, row: dict) -> None:
        self._file.write(json.dumps(row) + "\n")
        self._sync()
        self._new.append(row)
        self.done.add(str(row["id"]))

    def rows(self) -> list[dict]:
        return self._earlier + self._new

    def close(self) -> None:
        self._file.close()


def merge(paths: list[Path], out: str | Path) -> list[dict]:
    """Rows of all ``paths`` (earlier files first win for a repeated id), sorted by id, written
    to ``out``."""
    seen: dict[str, dict] = {}
    for path in paths:
        for row in _read(Path(path)):
            seen.setdefault(str(row["id"]), row)
    rows = [seen[key] for key in sorted(seen, key=_id_key)]
    write_rows(Path(out), rows)
    return rows
