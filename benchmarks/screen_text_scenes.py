"""Desktop recordings for the screen-text benchmark, drawn with real fonts (DejaVu), fixed seeds.

Contract: ``make_scene(seed, size, seconds)`` returns a ``Scene``: a terminal whose output
scrolls, a chat whose messages scroll away, notifications shown for four seconds, a browser
whose pages are left behind; ``scene.frame(t)`` draws the desktop at second ``t`` (RGB uint8
``[H, W, 3]``) and returns the lines drawn (``Drawn``: id, text, font px); ``scene.questions``
are ``Question(text, answers)`` whose answer had left the screen by the end; ``write(scene,
path, fps)`` writes the recording (mp4v) and returns the ground truth ``{line id: (text, px,
first shown, last shown)}``. The templates here are for evaluation only: the training data of
the bundled model must not use them (its own live in ``videoscan_core/train/demo_screen_text.py``:
other scenes, other question forms).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np

from videoscan_core.screen_text.draw import draw_text

NAMES = ["Alice Moreau", "Bruno Keller", "Chen Wei", "Dana Okafor", "Emil Varga", "Farah Nasser"]
FILLER = [
    "sounds good",
    "I'll check after lunch",
    "the build is green again",
    "thanks!",
    "any news on the release?",
    "ok, on it",
    "who has the slides?",
    "see you there",
]
TERMINAL_NOISE = [
    "compiling module {n} of 48",
    "fetching package index ({n} kB)",
    "running test suite part {n}",
    "cache hit for layer {n}",
    "linking target {n}",
]
PAGES = ["Search results for 'usb cable'", "Your account settings", "Help centre: returns"]


@dataclass(frozen=True)
class Question:
    text: str
    answers: tuple[str, ...]  # an answer is right when it contains one of these


@dataclass(frozen=True)
class Drawn:
    id: str
    text: str
    px: int


@dataclass
class Scene:
    size: tuple[int, int]  # (width, height)
    seconds: int
    terminal: list = field(default_factory=list)  # (t, text)
    chat: list = field(default_factory=list)  # (t, sender, text)
    toasts: list = field(default_factory=list)  # (t0, t1, title, body)
    pages: list = field(default_factory=list)  # (t0, t1, [(text, px, bold)])
    questions: list = field(default_factory=list)

    @property
    def scale(self) -> float:
        return self.size[0] / 1280

    def frame(self, t: float) -> tuple[np.ndarray, list[Drawn]]:
        width, height = self.size
        frame = np.full((height, width, 3), (58, 68, 82), np.uint8)  # the desktop
        drawn: list[Drawn] = []
        s = self.scale
        self._terminal(
            frame, drawn, t, (int(16 * s), int(40 * s), int(620 * s), height - int(60 * s))
        )
        self._chat(frame, drawn, t, (int(660 * s), int(40 * s), width - int(16 * s), int(380 * s)))
        self._browser(
            frame,
            drawn,
            t,
            (int(660 * s), int(400 * s), width - int(16 * s), height - int(130 * s)),
        )
        self._toast(
            frame,
            drawn,
            t,
            (
                width - int(380 * s),
                height - int(115 * s),
                width - int(30 * s),
                height - int(25 * s),
            ),
        )
        return frame, drawn

    def _box(self, frame, box, colour) -> None:
        x0, y0, x1, y1 = box
        frame[y0:y1, x0:x1] = colour

    def _text(self, frame, drawn, key, x, y, text, px, colour, mono=False, bold=False) -> int:
        draw_text(frame, x, y, text, px, colour, mono, bold)
        drawn.append(Drawn(key, text, px))
        return int(px * 1.45)

    def _terminal(self, frame, drawn, t, box) -> None:
        self._box(frame, box, (24, 26, 30))
        px = round(13 * self.scale)
        rows = (box[3] - box[1] - 20) // int(px * 1.45)
        shown = [(i, text) for i, (at, text) in enumerate(self.terminal) if at <= t][-rows:]
        y = box[1] + 10
        for index, text in shown:
            y += self._text(
                frame, drawn, f"term{index}", box[0] + 10, y, text, px, (210, 215, 210), mono=True
            )

    def _chat(self, frame, drawn, t, box) -> None:
        self._box(frame, box, (250, 250, 252))
        px = round(14 * self.scale)
        step = int(px * 1.45)
        shown = [(i, m) for i, m in enumerate(self.chat) if m[0] <= t][
            -((box[3] - box[1]) // (3 * step)) :
        ]
        y = box[1] + 8
        for index, (_, sender, text) in shown:
            y += self._text(
                frame, drawn, f"chat{index}s", box[0] + 12, y, sender, px, (40, 70, 140), bold=True
            )
            y += self._text(frame, drawn, f"chat{index}m", box[0] + 12, y, text, px, (20, 20, 20))
            y += step // 2

    def _browser(self, frame, drawn, t, box) -> None:
        self._box(frame, box, (255, 255, 255))
        for index, (t0, t1, lines) in enumerate(self.pages):
            if t0 <= t < t1:
                y = box[1] + 12
                for row, (text, px, bold) in enumerate(lines):
                    px = round(px * self.scale)
                    y += self._text(
                        frame,
                        drawn,
                        f"page{index}.{row}",
                        box[0] + 16,
                        y,
                        text,
                        px,
                        (25, 25, 25),
                        bold=bold,
                    )

    def _toast(self, frame, drawn, t, box) -> None:
        for index, (t0, t1, title, body) in enumerate(self.toasts):
            if t0 <= t < t1:
                self._box(frame, box, (45, 45, 48))
                px = round(14 * self.scale)
                y = box[1] + 12
                y += self._text(
                    frame,
                    drawn,
                    f"toast{index}t",
                    box[0] + 14,
                    y,
                    title,
                    px,
                    (255, 255, 255),
                    bold=True,
                )
                self._text(
                    frame,
                    drawn,
                    f"toast{index}b",
                    box[0] + 14,
                    y,
                    body,
                    round(13 * self.scale),
                    (225, 225, 225),
                )


def make_scene(seed: int, size=(1280, 720), seconds: int = 120) -> Scene:
    rng = random.Random(seed)
    scene = Scene(size, seconds)
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    letters = lambda n: "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(n))  # noqa: E731
    port, config, code = f"8{digits(3)}", f"deploy-{digits(4)}.yaml", rng.randint(2, 9)
    early = [
        "$ ./serve --env staging",
        f"Listening on port {port}",
        f"error: cannot open '{config}' (permission denied)",
        "$ make test",
        f"tests failed with exit code {code}",
    ]
    t = 2.0
    for text in early:
        scene.terminal.append((t, text))
        t += rng.uniform(2, 4)
    while t < seconds - 5:  # enough output to scroll the early lines away
        scene.terminal.append((t, rng.choice(TERMINAL_NOISE).format(n=rng.randint(1, 48))))
        t += rng.uniform(1.5, 3.5)
    first, second = rng.sample(NAMES, 2)
    meet, locker, room = (
        f"{rng.randint(9, 17)}:{rng.choice(['00', '15', '30', '45'])}",
        f"{digits(2)}-{digits(2)}-{digits(2)}",
        f"{rng.randint(1, 6)}{rng.choice('ABC')}",
    )
    scene.chat += [
        (4.0, first, f"shall we sync at {meet}? room {room} is free"),
        (9.0, second, f"the locker combination is {locker}"),
    ]
    t = 15.0
    while t < seconds - 5:
        scene.chat.append((t, rng.choice(NAMES), rng.choice(FILLER)))
        t += rng.uniform(5, 9)
    flight, gate, otp = (
        f"{letters(2)}{digits(4)}",
        f"{rng.choice('ABCD')}{rng.randint(10, 49)}",
        digits(6),
    )
    scene.toasts += [
        (20.0, 24.0, "Boarding soon", f"Flight {flight} boards at gate {gate}"),
        (50.0, 54.0, "Sign-in attempt", f"Your verification code is {otp}"),
    ]
    order, total = f"{letters(2)}-{digits(5)}", f"{rng.randint(20, 199)}.{digits(2)}"
    day = rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])
    scene.pages += [
        (
            6.0,
            40.0,
            [
                ("Order confirmed", 20, True),
                (f"Order number {order}", 14, False),
                (f"Total paid: EUR {total}", 14, False),
                (f"Estimated delivery: {day}", 14, False),
                ("Questions? Contact our support team", 12, False),
            ],
        )
    ]
    for index, page in enumerate(PAGES):
        scene.pages.append(
            (
                40.0 + index * 25,
                65.0 + index * 25 if index < 2 else seconds,
                [(page, 20, True), ("Showing the first results", 13, False)],
            )
        )
    scene.questions = [
        Question("Which port was the server listening on?", (port,)),
        Question("Which file could the terminal not open?", (config,)),
        Question("What exit code did the failed tests return?", (str(code),)),
        Question(f"At what time did {first} propose to sync?", (meet,)),
        Question(f"Which room did {first} say was free?", (room,)),
        Question(f"Which locker combination did {second} share?", (locker,)),
        Question("Which flight was boarding soon?", (flight,)),
        Question("At which gate did the flight board?", (gate,)),
        Question("What was the verification code?", (otp,)),
        Question("Which order did the shop page confirm?", (order,)),
        Question("How much was paid for the order?", (total,)),
        Question("On which day was the delivery expected?", (day,)),
    ]
    return scene


def write(scene: Scene, path, fps: float = 1.0) -> dict[str, tuple[str, int, float, float]]:
    """Write the recording; the ground truth: line id -> (text, px, first shown, last shown)."""
    from videoscan_core.video import import_cv2

    cv2 = import_cv2()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, scene.size)
    truth: dict[str, tuple[str, int, float, float]] = {}
    for index in range(int(scene.seconds * fps)):
        t = index / fps
        frame, drawn = scene.frame(t)
        writer.write(np.ascontiguousarray(frame[:, :, ::-1]))
        for line in drawn:
            first = truth.get(line.id, (line.text, line.px, t, t))[2]
            truth[line.id] = (line.text, line.px, first, t)
    writer.release()
    return truth
