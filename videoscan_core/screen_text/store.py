"""Where remembered lines live: one SQLite database, in memory unless the user keeps a history.

Contract: ``LineStore(path=None)`` opens ``:memory:`` (nothing on disk) or, for the persistent
history, a file (WAL journal). Table ``lines``: one row per remembered line (``StoredLine``
fields); ``lines_fts``: an FTS5 index of their text (porter stemming, diacritics folded), kept in
step by triggers. Verbs: ``insert``, ``update_seen`` (the frames a line stayed on screen),
``update_text``, ``drop_least_recent(count)``, ``delete_before(wall)`` (retention), ``clear``,
``match(fts_query, session, limit)`` -> ``[(id, rank)]`` (bm25, smaller is better),
``rows(where, args)``, ``recent_blocks(session, limit)``. ``size()`` is (lines, bytes): bytes
counts each line's UTF-8 text plus ``ROW_OVERHEAD``. Not thread-safe by itself: ``TextMemory``
holds its lock around every call.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

ROW_OVERHEAD = 64  # bytes counted per line besides its text (times, box, ids)
SCHEMA = """
CREATE TABLE IF NOT EXISTS lines(
    id INTEGER PRIMARY KEY, text TEXT NOT NULL, first_seen REAL, last_seen REAL,
    x0 INTEGER, y0 INTEGER, x1 INTEGER, y1 INTEGER, session TEXT, source TEXT,
    block INTEGER, line_order INTEGER, score REAL, touched INTEGER, wall_last REAL);
CREATE INDEX IF NOT EXISTS lines_touched ON lines(touched);
CREATE INDEX IF NOT EXISTS lines_block ON lines(block);
CREATE VIRTUAL TABLE IF NOT EXISTS lines_fts USING fts5(
    text, content='lines', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER IF NOT EXISTS lines_ai AFTER INSERT ON lines BEGIN
    INSERT INTO lines_fts(rowid, text) VALUES (new.id, new.text); END;
CREATE TRIGGER IF NOT EXISTS lines_ad AFTER DELETE ON lines BEGIN
    INSERT INTO lines_fts(lines_fts, rowid, text) VALUES ('delete', old.id, old.text); END;
CREATE TRIGGER IF NOT EXISTS lines_au AFTER UPDATE OF text ON lines BEGIN
    INSERT INTO lines_fts(lines_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO lines_fts(rowid, text) VALUES (new.id, new.text); END;
"""
COLUMNS = (
    "id, text, first_seen, last_seen, x0, y0, x1, y1, session, source, block, line_order, score"
)


@dataclass(frozen=True)
class StoredLine:
    id: int
    text: str
    first_seen: float
    last_seen: float
    box: tuple[int, int, int, int]
    session: str
    source: str
    block: int
    line_order: int
    score: float


def _line(row) -> StoredLine:
    return StoredLine(row[0], row[1], row[2], row[3], tuple(row[4:8]), *row[8:13])


class LineStore:
    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path or ":memory:"), check_same_thread=False)
        if self.path is not None:
            self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        self.lines, self.bytes = self._count()
        row = self.db.execute("SELECT MAX(id), MAX(block), MAX(touched) FROM lines").fetchone()
        self.next_id, self.next_block, self.tick = (
            (row[0] or 0) + 1,
            (row[1] or 0) + 1,
            row[2] or 0,
        )

    def _count(self) -> tuple[int, int]:
        row = self.db.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(CAST(text AS BLOB))), 0) FROM lines"
        ).fetchone()
        return int(row[0]), int(row[1]) + ROW_OVERHEAD * int(row[0])

    def size(self) -> tuple[int, int]:
        return self.lines, self.bytes

    def new_block(self) -> int:
        self.next_block += 1
        return self.next_block - 1

    def insert(self, line: StoredLine, wall: float) -> int:
        line_id = self.next_id
        self.next_id += 1
        self.db.execute(
            f"INSERT INTO lines({COLUMNS}, touched, wall_last) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                line_id,
                line.text,
                line.first_seen,
                line.last_seen,
                *line.box,
                line.session,
                line.source,
                line.block,
                line.line_order,
                line.score,
                self.tick,
                wall,
            ),
        )
        self.lines += 1
        self.bytes += len(line.text.encode()) + ROW_OVERHEAD
        return line_id

    def update_seen(
        self, seen: list[tuple[int, float, tuple[int, int, int, int] | None]], wall: float
    ) -> None:
        """``(id, last_seen, box or None)`` for lines seen again."""
        self.db.executemany(
            "UPDATE lines SET last_seen = MAX(last_seen, ?), touched = ?, wall_last = ? "
            "WHERE id = ?",
            [(when, self.tick, wall, line_id) for line_id, when, _ in seen],
        )
        moved = [(*box, line_id) for line_id, _, box in seen if box is not None]
        self.db.executemany("UPDATE lines SET x0=?, y0=?, x1=?, y1=? WHERE id = ?", moved)

    def update_text(self, line_id: int, old: str, text: str, score: float) -> None:
        self.db.execute("UPDATE lines SET text = ?, score = ? WHERE id = ?", (text, score, line_id))
        self.bytes += len(text.encode()) - len(old.encode())

    def drop_least_recent(self, count: int) -> list[int]:
        ids = [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM lines ORDER BY touched, last_seen LIMIT ?", (count,)
            )
        ]
        self._delete(ids)
        return ids

    def delete_before(self, wall: float) -> list[int]:
        ids = [r[0] for r in self.db.execute("SELECT id FROM lines WHERE wall_last < ?", (wall,))]
        self._delete(ids)
        return ids

    def _delete(self, ids: list[int]) -> None:
        if ids:
            self.db.executemany("DELETE FROM lines WHERE id = ?", [(i,) for i in ids])
            self.lines, self.bytes = self._count()

    def clear(self) -> None:
        self.db.execute("DELETE FROM lines")
        self.db.execute("INSERT INTO lines_fts(lines_fts) VALUES ('rebuild')")
        self.lines, self.bytes = 0, 0

    def commit(self) -> None:
        self.db.commit()

    def match(self, query: str, session: str | None, limit: int) -> list[tuple[int, float]]:
        where = "lines_fts MATCH ?" + (" AND l.session = ?" if session is not None else "")
        args = (query, session) if session is not None else (query,)
        return [
            (r[0], r[1])
            for r in self.db.execute(
                "SELECT l.id, bm25(lines_fts) AS rank FROM lines_fts JOIN lines l "
                f"ON l.id = lines_fts.rowid WHERE {where} ORDER BY rank LIMIT ?",
                (*args, limit),
            )
        ]

    def rows(
        self, where: str = "1", args: tuple = (), order: str = "first_seen, id", limit: int = -1
    ) -> list[StoredLine]:
        sql = f"SELECT {COLUMNS} FROM lines WHERE {where} ORDER BY {order} LIMIT ?"
        return [_line(r) for r in self.db.execute(sql, (*args, limit))]

    def recent_blocks(self, session: str | None, limit: int) -> list[int]:
        """Blocks by the time their newest line was last seen, newest first."""
        where, args = ("WHERE session = ?", (session,)) if session is not None else ("", ())
        sql = f"SELECT block FROM lines {where} GROUP BY block ORDER BY MAX(last_seen) DESC LIMIT ?"
        return [r[0] for r in self.db.execute(sql, (*args, limit))]

    def close(self) -> None:
        self.db.close()
