"""The screen text an answer was shown, as HTML under the answer in the chat.

Contract: ``screen_text_html(rows)`` takes ``[{text, first_seen, last_seen}]`` (an exchange's
``evidence_text``) and returns a small table, one row per block: the time it was first seen
(``m:ss`` as the timeline shows it, grey) and its text (lines joined by " / "), escaped; long
texts are cut at ``MAX_CHARS`` with an ellipsis. Rows are in time order, as the model saw them.
"""

from __future__ import annotations

import html

from ..models.conversation import stream_clock

MAX_CHARS = 160


def screen_text_html(rows: list[dict]) -> str:
    cells = []
    for row in rows:
        text = " / ".join(line for line in row["text"].splitlines() if line.strip())
        if len(text) > MAX_CHARS:
            text = text[: MAX_CHARS - 1] + "…"
        cells.append(
            f"<tr><td style='color:#888;padding-right:6px'>{stream_clock(row['first_seen'])}</td>"
            f"<td>{html.escape(text)}</td></tr>"
        )
    head = "<tr><td colspan='2' style='color:#888'>Read on screen</td></tr>"
    table = "<table style='margin:0 0 8px 12px;font-size:small' cellspacing='0'>"
    return table + head + "".join(cells) + "</table>"
