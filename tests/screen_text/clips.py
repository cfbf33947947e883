"""Short screen recordings with text drawn in a real font, for the screen-text tests."""

from __future__ import annotations

import numpy as np

from videoscan_core.screen_text.draw import draw_text
from videoscan_core.video import import_cv2

# (from second, until second, x, y, text): a line shown on the screen for that time
SCRIPT = [
    (0, 6, 20, 20, "Terminal - build log"),
    (1, 6, 20, 70, "error: cannot open 'settings.toml'"),
    (2, 4, 300, 250, "Flight LH4521 boards at gate B22"),
    (4, 6, 20, 150, "Order #A-77315 confirmed"),
]


# the same lines, the flight on screen to the end: a live reader that skips frames (newest wins)
# still reads everything, whatever the machine's speed
LIVE_SCRIPT = [(a, 6 if "Flight" in text else b, x, y, text) for a, b, x, y, text in SCRIPT]


def screen_at(second: float, script=SCRIPT, size=(640, 360)) -> np.ndarray:
    frame = np.full((size[1], size[0], 3), 248, np.uint8)
    for start, end, x, y, text in script:
        if start <= second < end:
            draw_text(frame, x, y, text, 14)
    return frame


def write_clip(path, seconds: int = 6, fps: float = 1.0, script=SCRIPT, size=(640, 360)):
    cv2 = import_cv2()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for index in range(int(seconds * fps)):
        writer.write(screen_at(index / fps, script, size)[:, :, ::-1].copy())
    writer.release()
    return path
