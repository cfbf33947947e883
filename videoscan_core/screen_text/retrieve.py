"""Finding text in the memory: search hits for people, relevant blocks for a question.

Contract (each takes the ``TextMemory`` and holds its lock):

- ``check_query(text)``: the one input limit for searches everywhere (CLI, app, API, MCP): empty
  (no letters or digits) or longer than ``MAX_QUERY_CHARS`` raises ``VideoScanError`` in one line.
- ``search(memory, query, session=None, limit=MAX_HITS)``: lines containing the query's words as a
  phrase (FTS5, stemmed, case and accents ignored), best first; ``SearchHit`` has the line's text,
  ``first_seen``, ``last_seen``, session and source.
- ``relevant(memory, question, session, now)``: ``SeenText`` blocks for the question prompt, best
  first: blocks with lines that share words with the question (bm25 over lines, a block scores its
  best lines), plus recency (``RECENCY_WEIGHT``, halving every ``RECENCY_HALF_S`` seconds before
  ``now``); a question that shares no words with the screen gets the most recently seen blocks
  (``FILL``) instead. The engine keeps those that fit its budget (``prompt.fit_screen_text``).
- ``all_lines(memory, session)`` and ``seen_between(memory, start, end, session)``: remembered lines
  as ``SeenText`` in time order (``run --json``'s ``screen_text``, MCP's ``recent_memory``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import VideoScanError
from ..events import SeenText
from .memory import TextMemory
from .store import StoredLine

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
MAX_HITS = 100
BLOCKS = 8  # blocks matched by words
FILL = 3  # most recent blocks added after them
RECENCY_WEIGHT = 0.3
RECENCY_HALF_S = 300.0
_WORD = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset(
    "a an and are as at be been but by can could did do does for from had has have how i in is it "
    "its me my of on or said say says see saw seen screen show showed shown that the their them "
    "then there these they this those to up was we were what when where which who whom why will "
    "with would you your about there here now just".split()
)


@dataclass(frozen=True)
class SearchHit:
    text: str
    first_seen: float
    last_seen: float
    session: str
    source: str

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "first_seen": round(self.first_seen, 2),
            "last_seen": round(self.last_seen, 2),
            "session": self.session,
            "source": self.source,
        }


def check_query(text: str) -> str:
    """The query, stripped; refused when empty or too long (one line for people)."""
    if not isinstance(text, str):
        raise VideoScanError("the search must be text")
    text = text.strip()
    if len(text) > MAX_QUERY_CHARS:
        raise VideoScanError(
            f"the search is too long ({len(text):,} characters; at most {MAX_QUERY_CHARS})"
        )
    if not _WORD.search(text):
        raise VideoScanError("the search is empty: type a word or number to look for")
    return text


def _terms(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)][:MAX_TERMS]


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def search(
    memory: TextMemory, query: str, session: str | None = None, limit: int = MAX_HITS
) -> list[SearchHit]:
    terms = _terms(check_query(query))
    phrase = _quoted(" ".join(terms))
    with memory.lock:
        ranked = memory.store.match(phrase, session, max(1, min(limit, MAX_HITS)))
        rows = _rows(memory, [line_id for line_id, _ in ranked])
    by_id = {row.id: row for row in rows}
    return [_hit(by_id[i]) for i, _ in ranked if i in by_id]


def _hit(row: StoredLine) -> SearchHit:
    return SearchHit(row.text, row.first_seen, row.last_seen, row.session, row.source)


def _rows(memory: TextMemory, ids: list[int]) -> list[StoredLine]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return memory.store.rows(f"id IN ({marks})", tuple(ids))


def relevant(
    memory: TextMemory, question: str, session: str | None, now: float | None = None
) -> list[SeenText]:
    terms = [t for t in _terms(question[: 4 * MAX_QUERY_CHARS]) if t not in STOPWORDS]
    query = " OR ".join(_quoted(term) for term in dict.fromkeys(terms))
    with memory.lock:
        ranks = dict(memory.store.match(query, session, 200)) if query else {}
        relevance: dict[int, float] = {}  # block -> its best line's score (bm25: smaller wins)
        for row in _rows(memory, list(ranks)):
            relevance[row.block] = max(relevance.get(row.block, 0.0), -ranks[row.id])
        top = sorted(relevance, key=relevance.__getitem__, reverse=True)[: 3 * BLOCKS]
        blocks = _blocks(memory, top)
        recent = memory.store.recent_blocks(session, BLOCKS + FILL)
        latest = (
            now
            if now is not None
            else max((b.seen.last_seen for b in blocks.values()), default=0.0)
        )
        best = max(relevance.values(), default=0.0) or 1.0

        def score(block: int) -> float:
            age = max(0.0, latest - blocks[block].seen.last_seen)
            return relevance[block] / best + RECENCY_WEIGHT * 0.5 ** (age / RECENCY_HALF_S)

        order = sorted(blocks, key=score, reverse=True)[:BLOCKS]
        # the newest blocks only for a question that shares no words with the screen ("what
        # is on the screen now?"): beside matching blocks they only distract a small model
        fill = [] if order else [block for block in recent if block not in order][:FILL]
        blocks.update(_blocks(memory, fill))
    return [blocks[block].seen for block in [*order, *fill] if block in blocks]


@dataclass(frozen=True)
class _Block:
    block: int
    seen: SeenText


def _blocks(memory: TextMemory, ids: list[int]) -> dict[int, _Block]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = memory.store.rows(f"block IN ({marks})", tuple(ids), order="block, line_order")
    grouped: dict[int, list[StoredLine]] = {}
    for row in rows:
        grouped.setdefault(row.block, []).append(row)
    out = {}
    for block, lines in grouped.items():
        first = min(line.first_seen for line in lines)
        last = max(line.last_seen for line in lines)
        text = "\n".join(line.text for line in lines)
        out[block] = _Block(block, SeenText(text, first, last))
    return out


def all_lines(memory: TextMemory, session: str | None = None) -> list[SeenText]:
    return seen_between(memory, None, None, session)


def seen_between(
    memory: TextMemory, start: float | None, end: float | None, session: str | None = None
) -> list[SeenText]:
    """Lines on screen at some time in ``[start, end]`` (either may be None: unbounded)."""
    where: list[str] = ["1"]
    args: list[object] = []
    if session is not None:
        where.append("session = ?")
        args.append(session)
    if start is not None:
        where.append("last_seen >= ?")
        args.append(start)
    if end is not None:
        where.append("first_seen <= ?")
        args.append(end)
    with memory.lock:
        rows = memory.store.rows(" AND ".join(where), tuple(args))
    return [SeenText(row.text, row.first_seen, row.last_seen) for row in rows]
