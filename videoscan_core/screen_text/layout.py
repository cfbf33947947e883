"""Lines read together, grouped into blocks by layout: a chat sender's name with its message, a
notification's title with its text, a paragraph of a page.

Contract: ``group_lines(boxes)`` takes line boxes ``(x0, y0, x1, y1)`` read in one frame and
returns groups of indices, each group top to bottom (then left to right), at most
``MAX_BLOCK_LINES`` lines (a longer run, like a terminal's output, is cut into consecutive
blocks). Two lines share a block when one sits right under the other (the gap is less than
``LINE_GAP`` of a line height) and they overlap horizontally or start within two line heights of
each other, or when they sit on the same row close together. Pure Python.
"""

from __future__ import annotations

from collections.abc import Sequence

Box = tuple[int, int, int, int]
MAX_BLOCK_LINES = 5
LINE_GAP = 0.35  # vertical gap, in line heights, that still joins two lines (a paragraph)
ROW_GAP = 3.0  # horizontal gap, in line heights, that joins two boxes on one row


def _height(box: Box) -> int:
    return max(1, box[3] - box[1])


def _related(a: Box, b: Box) -> bool:
    height = min(_height(a), _height(b))
    if a[1] > b[1]:
        a, b = b, a  # a above b
    vertical_overlap = min(a[3], b[3]) - max(a[1], b[1])
    if vertical_overlap >= 0.5 * height:  # one row
        gap = max(a[0], b[0]) - min(a[2], b[2])
        return gap <= ROW_GAP * height
    gap = b[1] - a[3]
    if gap > LINE_GAP * height:
        return False
    horizontal_overlap = min(a[2], b[2]) - max(a[0], b[0])
    return horizontal_overlap > 0 or abs(a[0] - b[0]) <= 2 * height


def group_lines(boxes: Sequence[Box]) -> list[list[int]]:
    parent = list(range(len(boxes)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            if _related(boxes[i], boxes[j]):
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(boxes)):
        groups.setdefault(root(i), []).append(i)
    blocks = []
    for members in groups.values():
        members.sort(key=lambda i: (boxes[i][1], boxes[i][0]))
        for start in range(0, len(members), MAX_BLOCK_LINES):
            blocks.append(members[start : start + MAX_BLOCK_LINES])
    blocks.sort(key=lambda group: (boxes[group[0]][1], boxes[group[0]][0]))
    return blocks
