"""Small result objects the engine hands out: frame events, answer chunks, memory snapshots.

Contract: plain dataclasses of Python numbers and strings (no tensors), safe to pass between
threads and to serialise with ``dataclasses.asdict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CarrierInfo:
    """One carrier in the memory bank."""

    # Stream-wide frame index the carrier was made from (its id).
    frame_index: int
    # Timestamp of that frame in seconds since the stream started.
    timestamp: float
    # Last timestamp the carrier stands for (later than `timestamp` when static frames that
    # followed it were folded into it by change-aware capture).
    until: float


@dataclass(frozen=True)
class FrameEvent:
    """What happened when one frame went through the engine."""

    frame_index: int
    timestamp: float
    # Carriers evicted by this frame's memory update (ids and timestamps).
    evicted: tuple[CarrierInfo, ...]
    # Carriers (or whole frames when carrier=False) in memory after this frame.
    carriers_retained: int
    # Entries per layer in the KV cache after the cut, and their size in bytes over all layers.
    cache_entries: int
    kv_cache_bytes: int
    # Wall time of vision encoding (incl. preprocessing), of the language-model prefill, and of
    # the memory update + cache cut ("surgery").
    vision_ms: float
    prefill_ms: float
    surgery_ms: float = 0.0

    @property
    def total_ms(self) -> float:
        return self.vision_ms + self.prefill_ms + self.surgery_ms


@dataclass(frozen=True)
class SeenText:
    """A block of text read on the screen (a search hit, or text shown with a question)."""

    # The block's lines in reading order, joined by newlines.
    text: str
    # Stream seconds it was first and last seen on the screen.
    first_seen: float
    last_seen: float


@dataclass(frozen=True)
class AnswerChunk:
    """A piece of a streamed answer. The last chunk has ``finished=True`` and the statistics."""

    text: str
    finished: bool = False
    # Filled on the last chunk only.
    answer: str = ""
    tokens: int = 0
    stop_reason: str = ""  # "eos", "max_tokens", "stop_string", "cancelled"
    ttft_ms: float = 0.0
    total_ms: float = 0.0
    # Where the evidence is: times (seconds) of the memory entries the question attended to
    # most, heaviest first, with their frame indices and attention shares (0..1).
    evidence: tuple[float, ...] = ()
    evidence_frames: tuple[int, ...] = ()
    evidence_weights: tuple[float, ...] = ()
    # The screen text the question was shown (``screen_text/prompt.py``), in time order.
    evidence_text: tuple[SeenText, ...] = ()


@dataclass(frozen=True)
class MemorySnapshot:
    """The engine's memory at one moment."""

    frames_seen: int
    capacity: int | None
    carriers: tuple[CarrierInfo, ...] = field(default_factory=tuple)
    cache_entries: int = 0
    kv_cache_bytes: int = 0
    system_tokens: int = 0

    @property
    def carriers_retained(self) -> int:
        return len(self.carriers)
