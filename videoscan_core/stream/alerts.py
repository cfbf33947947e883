"""Alerts ("tell me when ..."): conditions scored on the live memory, with hysteresis.

Contract: a ``Condition`` is a sentence such as "a red circle appears". ``AlertWatcher`` holds the
active conditions; call ``watcher.after_frame(engine, event)`` after each processed frame and it
scores every enabled condition (every ``every`` frames) with ONE yes/no prefill per condition whose
cache is rolled back, so the stream is unchanged (``score_condition``). Hysteresis: a condition
fires an ``Alert`` when its score rises to ``on_threshold`` or above while it is armed; it re-arms
only once the score falls to ``off_threshold`` or below, so one event gives one alert. Conditions
(with their pause state) round-trip through ``to_dict``/``from_dict`` and ``save_conditions`` /
``load_conditions`` (JSON). Costs are capped (``limits``): a condition has at most
``MAX_CONDITION_CHARS`` characters and a watcher at most ``MAX_CONDITIONS`` conditions (each is a
prefill per frame; ``ValueError`` otherwise); ``slow_warning(interval_s)`` says in one line when
the last frame's scoring took longer than the time between frames. Thread-safety: a watcher is
used from the engine's thread; its condition list may be edited from another thread (it is
guarded by a lock).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..limits import MAX_CONDITION_CHARS, MAX_CONDITIONS
from .conditions import score_condition

ON_THRESHOLD = 0.6
OFF_THRESHOLD = 0.4

Scorer = Callable[[object, str], float]  # (engine, condition text) -> P(yes) in [0, 1]


@dataclass(frozen=True)
class Condition:
    """One "tell me when" condition."""

    text: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    enabled: bool = True
    on_threshold: float = ON_THRESHOLD
    off_threshold: float = OFF_THRESHOLD

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError("a condition needs some text")
        if len(self.text) > MAX_CONDITION_CHARS:
            raise ValueError(
                f"a condition is too long ({len(self.text):,} characters); at most "
                f"{MAX_CONDITION_CHARS}"
            )
        if not 0.0 <= self.off_threshold <= self.on_threshold <= 1.0:
            raise ValueError(
                "thresholds must satisfy 0 <= off <= on <= 1 "
                f"(got off={self.off_threshold}, on={self.on_threshold})"
            )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Condition:
        known = {key: data[key] for key in cls.__dataclass_fields__ if key in data}
        return cls(**known)


@dataclass(frozen=True)
class Alert:
    """A condition that became true at ``time`` seconds (frame ``frame_index``)."""

    condition: str
    condition_id: str
    time: float
    score: float
    frame_index: int

    def to_json(self) -> dict:
        return {"condition": self.condition, "time": self.time, "score": round(self.score, 4)}


# -- watching --------------------------------------------------------------------------------
class AlertWatcher:
    """Scores conditions after frames and turns rising scores into alerts (see module doc)."""

    def __init__(
        self,
        conditions: Iterable[Condition] = (),
        every: int = 1,
        scorer: Scorer | None = None,
    ) -> None:
        if every < 1:
            raise ValueError(f"conditions are scored every k frames with k >= 1 (got {every})")
        self.every = every
        self.scorer = scorer or score_condition
        self.frames_seen = 0
        self.scores_computed = 0
        self.paused = False
        self._lock = threading.Lock()
        self._conditions: dict[str, Condition] = {}
        self._firing: dict[str, bool] = {}
        self.last_scores: dict[str, float] = {}
        self.last_scoring_s = 0.0  # wall time the last scored frame took
        for condition in conditions:
            self.add(condition)

    # editing (any thread)
    def add(self, condition: Condition | str) -> Condition:
        if isinstance(condition, str):
            condition = Condition(condition)
        with self._lock:
            if condition.id not in self._conditions and len(self._conditions) >= MAX_CONDITIONS:
                raise ValueError(
                    f"at most {MAX_CONDITIONS} conditions are watched at once (each is checked "
                    "on every frame): remove one first"
                )
            self._conditions[condition.id] = condition
            self._firing[condition.id] = False
        return condition

    def remove(self, condition_id: str) -> bool:
        with self._lock:
            self._firing.pop(condition_id, None)
            self.last_scores.pop(condition_id, None)
            return self._conditions.pop(condition_id, None) is not None

    def update(self, condition_id: str, **changes) -> Condition:
        """Edit a condition (text, enabled, thresholds); a changed text re-arms it."""
        with self._lock:
            old = self._conditions[condition_id]
            new = replace(old, **changes)
            self._conditions[condition_id] = new
            if new.text != old.text or not new.enabled:
                self._firing[condition_id] = False
            return new

    def conditions(self) -> list[Condition]:
        with self._lock:
            return list(self._conditions.values())

    def reset(self) -> None:
        """A new stream: re-arm every condition and restart the frame count."""
        with self._lock:
            self._firing = dict.fromkeys(self._conditions, False)
            self.last_scores.clear()
            self.frames_seen = 0

    # scoring (the engine's thread)
    def due(self) -> bool:
        """Whether the frame just counted is one to score on."""
        return (self.frames_seen - 1) % self.every == 0

    def after_frame(self, engine, event=None) -> list[Alert]:
        """Score the enabled conditions on the frame just streamed; the alerts it raises."""
        self.frames_seen += 1
        if self.paused or not self.due():
            return []
        timestamp = event.timestamp if event is not None else float(engine.last_timestamp or 0.0)
        index = event.frame_index if event is not None else engine.frames_seen - 1
        alerts, started = [], time.perf_counter()
        for condition in self.conditions():
            if not condition.enabled:
                continue
            score = float(self.scorer(engine, condition.text))
            self.scores_computed += 1
            alert = self._observe(condition, score, timestamp, index)
            if alert is not None:
                alerts.append(alert)
        self.last_scoring_s = time.perf_counter() - started
        return alerts

    def slow_warning(self, interval_s: float) -> str | None:
        """One line when scoring the last frame took longer than ``interval_s`` (the time
        between frames): frames then wait, and alerts come late."""
        if self.last_scoring_s <= interval_s:
            return None
        count = sum(c.enabled for c in self.conditions())
        return (
            f"checking {count} alert condition(s) took {self.last_scoring_s:.1f} s per frame, "
            f"longer than the {interval_s:.2g} s between frames: alerts come late; watch fewer "
            "conditions or check them every few frames"
        )

    def _observe(
        self, condition: Condition, score: float, timestamp: float, index: int
    ) -> Alert | None:
        with self._lock:
            if condition.id not in self._conditions:
                return None  # removed while being scored
            self.last_scores[condition.id] = score
            firing = self._firing.get(condition.id, False)
            if firing and score <= condition.off_threshold:
                self._firing[condition.id] = False
            elif not firing and score >= condition.on_threshold:
                self._firing[condition.id] = True
                return Alert(condition.text, condition.id, timestamp, score, index)
        return None


# -- persistence -----------------------------------------------------------------------------
def save_conditions(path: str | Path, conditions: Iterable[Condition], **extra) -> None:
    """Write conditions (and ``extra`` JSON values, e.g. the app's ``every``/``paused``) as JSON,
    atomically: a temporary file renamed over the old one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    data = {"conditions": [condition.to_dict() for condition in conditions], **extra}
    temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
    temporary.replace(path)


def load_extra(path: str | Path) -> dict:
    """The values saved next to the conditions ({} when there are none or the file is bad)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if k != "conditions"} if isinstance(data, dict) else {}


def load_conditions(path: str | Path) -> list[Condition]:
    """Conditions saved by ``save_conditions``; [] when the file does not exist."""
    path = Path(path)
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Condition.from_dict(item) for item in data.get("conditions", [])]
    except (ValueError, TypeError, AttributeError) as error:
        raise ValueError(f"alert file {path} is not valid: {error}") from None
