"""README's fenced blocks and the markers that tell tests/test_readme.py what to do with them.

A marker is an HTML comment (invisible on GitHub) on the line before a block:

- ``<!-- readme-test: skip: REASON -->``: a ``bash``/``python`` block that is not run (it starts
  the app, downloads, ...); its ``videoscan`` commands are still parsed.
- ``<!-- readme-test: background until "TEXT" ... -->``: a ``bash`` block that runs until the
  end (a server), started once TEXT is on its output.
- ``<!-- readme-test: output ... -->``: a ``text`` block holding what the ``bash`` block before it
  prints on stdout, exactly. ``VIDEOSCAN_UPDATE_README=1`` rewrites these blocks from what the
  commands print (after a retrained demo model, say): the one edit such a change needs.

Every other ``bash`` and ``python`` block runs, in order, in one scratch folder.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MARKER = re.compile(r"<!--\s*readme-test:\s*(.*?)\s*-->")


@dataclass
class Block:
    lang: str
    line: int  # 1-based line of the opening fence
    text: str
    marker: str = ""  # the marker comment's text, "" when none

    @property
    def kind(self) -> str:
        """"run", "skip", "background", "output" or "" (a block of another language)."""
        for kind in ("skip", "background", "output"):
            if self.marker.startswith(kind):
                return kind
        return "run" if self.lang in ("bash", "python") else ""

    @property
    def wait_for(self) -> str:
        match = re.search(r'until "([^"]+)"', self.marker)
        return match.group(1) if match else ""


def blocks(text: str | None = None) -> list[Block]:
    lines = (README.read_text(encoding="utf-8") if text is None else text).splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        fence = re.match(r"^```(\w*)\s*$", lines[index])
        if not fence:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        marker = MARKER.fullmatch(lines[index - 1].strip()) if index else None
        found.append(
            Block(fence.group(1), index + 1, "\n".join(lines[index + 1 : end]) + "\n",
                  marker.group(1) if marker else "")  # fmt: skip
        )
        index = end + 1
    return found


def commands(script: str) -> list[list[str]]:
    """The simple commands of a bash block as argv lists (continuations joined, comments and
    leading VAR=value assignments dropped, split at ``&&``, ``||``, ``;`` and ``|``)."""
    joined = script.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        current: list[str] = []
        for token in [*lexer, ";"]:
            if token in ("&&", "||", ";", "|", "&"):
                while current and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", current[0]):
                    current.pop(0)
                if current:
                    found.append(current)
                current = []
            else:
                current.append(token)
    return found


def replace_output(text: str, block: Block, new_output: str) -> str:
    """README ``text`` with the output block ``block`` holding ``new_output``."""
    lines = text.splitlines(keepends=True)
    start = block.line  # the first line after the opening fence (0-based index)
    end = start + len(block.text.splitlines())
    return "".join(lines[:start]) + new_output.rstrip("\n") + "\n" + "".join(lines[end:])
