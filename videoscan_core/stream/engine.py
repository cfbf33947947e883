"""The VideoScan streaming engine.

Contract (docs/design.md section 1): ``StreamingEngine(model, config)`` holds one stream.
``add_frame(rgb, t)`` encodes a frame to N visual tokens ``E_t``, appends the carrier ``c_t =
mean(E_t)``, prefills ``[E_t, c_t]`` over the cache ``[system][memory]`` and cuts the cache
back: system, earlier carriers, the new carrier (plus top-k / recent-window entries when
enabled). The memory bank then evicts the older member of the most similar adjacent carrier pair
while it holds more than M. ``ask(question)`` is a generator of ``AnswerChunk``: it prefills the
time instruction, the screen text it is given and the question over the current cache, decodes,
and finally truncates the cache back, so the stream continues exactly as if nothing had been
asked. The engine is single-threaded: call it from one thread (the app's worker owns it).

The question half lives in ``question_path.py`` (its base class), what each frame keeps after a
step in ``retention.py``, and the position bookkeeping in one ``StreamPositions``
(``engine.placement``; ``positions`` and ``positions_used`` read it).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch

from ..adapters.base import VisualTokens
from ..config import EngineConfig, keeps_original_keys
from ..errors import StepAborted
from ..events import AnswerChunk, CarrierInfo, FrameEvent, MemorySnapshot
from ..limits import fit_positions
from .cache_layout import BlockChange, CacheLayout, FrameBlock
from .carrier_attention import CarrierAttentionProbe
from .frame_chunk import frame_chunk
from .history import FollowUpHistory
from .memory_bank import BankEntry, MemoryBank
from .positions import PositionBook
from .question_path import QuestionPath
from .retention import cut_changes, step_changes
from .session_clock import SessionClock
from .slot_cache import SlotCache
from .stream_positions import StreamPositions

log = logging.getLogger("videoscan")


class StreamingEngine(QuestionPath):
    def __init__(self, model, config: EngineConfig | None = None) -> None:
        self.model = model
        self.config = config or EngineConfig()
        if self.config.vision_runtime != "torch":  # "torch" keeps whatever is attached
            from ..adapters import vision_runtime

            vision_runtime.attach(model, self.config.vision_runtime)
        if self.config.answer_runtime != "torch":  # likewise (see answer_runtime.py)
            from . import answer_runtime

            answer_runtime.attach(model, self.config.answer_runtime)
        self._abort = threading.Event()
        self.history = FollowUpHistory()  # recent Q/A pairs shown to follow-up questions
        self.reset()

    @classmethod
    def from_pretrained(
        cls, source: str, config: EngineConfig | None = None, **load_options
    ) -> StreamingEngine:
        """Load a model (folder or hub id) and wrap it; device/dtype come from ``config``.
        Without ``config``, the model's recommended settings (``presets.recommended_config``:
        training-free for checkpoints without VideoScan training)."""
        from ..adapters import load_model
        from ..adapters.presets import recommended_config

        base = config or EngineConfig()
        model = load_model(source, device=base.device, dtype=base.dtype, **load_options)
        return cls(model, config if config is not None else recommended_config(model))

    # -- state -----------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget the stream (memory, cache, counters, conversation); the model stays loaded."""
        self._close_active_answer()
        self.history.clear()
        # positions that would pass the model's limit: a mode or memory that fits, said once
        self.config, self.position_note = fit_positions(self.model, self.config)
        capacity = self._initial_capacity()
        # keys moved many times are re-derived from the keys as computed (one rounding)
        exact = keeps_original_keys(self.config.position_mode, self.model.dtype)
        self.cache = SlotCache(self.model.num_layers, capacity, original_keys=exact)
        self.bank = MemoryBank(self.config.memory_size)
        self.layout = CacheLayout()
        self.frames_seen = 0
        self.frames_folded = 0
        self.last_timestamp: float | None = None  # on the stream's timeline (see SessionClock)
        self.clock = SessionClock()
        self.placement = StreamPositions(self.model, self.config.position_mode, capacity)
        self._active_answer: Iterator[AnswerChunk] | None = None
        self.newest_frame: np.ndarray | None = None  # pixels for a closer look
        self._answer_start = 0  # position of the first answer token (after the question)

    @property
    def positions(self) -> PositionBook:
        """Every cache slot's positions (``placement.book``)."""
        return self.placement.book

    @property
    def positions_used(self) -> int:
        """The next free position (``placement.used``; benchmarks and tests may move it)."""
        return self.placement.used

    @positions_used.setter
    def positions_used(self, value: int) -> None:
        self.placement.used = value

    def configure(self, config: EngineConfig, given: frozenset[str] | None = None) -> None:
        """Run with ``config`` from a fresh stream (``reset``): the model's training-free preset
        fills the fields not in ``given`` (default: those left at their defaults; ``presets``),
        the one place where presets meet a running engine."""
        from ..adapters.presets import fields_set_by_user, recommended_config

        chosen = fields_set_by_user(config) if given is None else given
        self.config = recommended_config(self.model, config, chosen)
        self.reset()

    def start_session(self) -> None:
        """A new session: memory and clock start afresh (e.g. a new video file)."""
        self.reset()

    def start_segment(self) -> None:
        """The same session continues from a source whose clock may restart (a source switch):
        its first frame is placed at or after the last one, never before."""
        self.clock.new_segment()

    def _initial_capacity(self) -> int:
        n = self.model.tokens_per_frame
        memory = self.config.memory_size or 64
        per_frame = 1 + self.config.keep_topk if self.config.carrier else n
        return 64 + memory * per_frame + (self.config.recent_frames + 1) * (n + 1) + 256

    def set_memory_size(self, memory_size: int | None) -> tuple[CarrierInfo, ...]:
        """Change M on a running stream (or the largest that fits the model's positions, see
        ``position_note``); evicts down to the new size at once."""
        config = self.config.replace(memory_size=memory_size)
        self.config, self.position_note = fit_positions(self.model, config)
        self.bank.capacity = self.config.memory_size
        if not self.layout.system:
            return ()
        evicted = self.bank.evict_over_capacity()
        with torch.inference_mode():
            self._cut([], [entry for _, entry in evicted])
        return tuple(entry.info() for _, entry in evicted)

    def snapshot(self) -> MemorySnapshot:
        return MemorySnapshot(
            frames_seen=self.frames_seen,
            capacity=self.config.memory_size,
            carriers=self.bank.infos(),
            cache_entries=self.cache.length,
            kv_cache_bytes=self.cache.nbytes(),
            system_tokens=self.layout.system,
        )

    def bank_slots(self) -> list[int]:
        """Cache slot of each bank entry, in bank order: its carrier, or (full-token mode) the
        first entry of its frame. For alignment checks and tools."""
        if self.config.carrier:
            return [self.layout.carrier_slot(entry.frame_index) for entry in self.bank.entries]
        return [self.layout.block_start(entry.frame_index) for entry in self.bank.entries]

    def request_abort(self) -> None:
        """Stop the running step within one layer (it raises ``StepAborted``; the stream stays
        as it was before that step). Later steps abort too until ``clear_abort``."""
        self._abort.set()

    def clear_abort(self) -> None:
        self._abort.clear()

    @contextmanager
    def _guarded(self) -> Iterator[None]:
        """Inference mode + this engine's abort flag for the model's forwards."""
        with self.model.abort_scope(self._abort), torch.inference_mode():
            yield

    # -- frames ----------------------------------------------------------------------------
    def add_frame(self, frame: np.ndarray, timestamp: float) -> FrameEvent:
        """Stream one RGB uint8 frame ``[H, W, 3]`` taken at ``timestamp`` seconds."""
        self._check_timestamp(timestamp)
        started = time.perf_counter()
        visual = self.encode([frame])  # [1, N, D]
        vision_ms = (time.perf_counter() - started) * 1000
        return self.add_visual_tokens(visual, timestamp, vision_ms=vision_ms, frame=frame)

    def encode(self, frames: list[np.ndarray]) -> VisualTokens:
        """Visual tokens ``[B, N, D]`` (+ family extras) of B RGB uint8 frames, in one vision
        call; the stream is not touched (``add_visual_tokens`` streams ``visual[i]``)."""
        with self._guarded():
            pixels = self.model.preprocess(frames)  # [B, 3, S, S]
            return self.model.encode(pixels)  # tokens [B, N, D]

    def add_visual_tokens(
        self,
        visual: torch.Tensor | VisualTokens,
        timestamp: float,
        vision_ms: float = 0.0,
        frame: np.ndarray | None = None,
    ) -> FrameEvent:
        """Stream a frame given as its visual tokens ``[N, D]`` or ``[1, N, D]`` (``frame``:
        its RGB pixels, kept for a closer look when the config asks for one)."""
        self._check_timestamp(timestamp)
        source_time, timestamp = timestamp, self.clock.to_stream(timestamp, self.last_timestamp)
        self._close_active_answer()
        visual = VisualTokens.of(visual)  # tokens [1, N, D]
        started = time.perf_counter()
        checkpoint, stream = self.cache.length, self.placement.checkpoint()
        try:
            with self._guarded():
                self._ensure_system()
                event = self._prefill_frame(
                    visual.to(self.model.device, self.model.dtype), timestamp
                )
        except StepAborted:
            self.cache.truncate(checkpoint)  # layers may have appended different amounts
            self.placement.restore(stream)  # the frame was never placed
            raise
        self.clock.settle(source_time, timestamp)
        self.newest_frame = frame if self.config.closer_look else None
        surgery_ms = event[2]
        prefill_ms = (time.perf_counter() - started) * 1000 - surgery_ms
        return FrameEvent(
            frame_index=event[0],
            timestamp=timestamp,
            evicted=event[1],
            carriers_retained=len(self.bank),
            cache_entries=self.cache.length,
            kv_cache_bytes=self.cache.nbytes(),
            vision_ms=vision_ms,
            prefill_ms=prefill_ms,
            surgery_ms=surgery_ms,
        )

    def fold_static_frame(self, timestamp: float) -> None:
        """A frame nearly identical to the last one: extend the newest carrier's time range."""
        self._check_timestamp(timestamp)
        source_time, timestamp = timestamp, self.clock.to_stream(timestamp, self.last_timestamp)
        self.clock.settle(source_time, timestamp)
        self.last_timestamp = timestamp
        self.frames_folded += 1
        if self.bank.entries:
            self.bank.entries[-1].until = timestamp

    def _check_timestamp(self, timestamp: float) -> None:
        self.check_timestamps([timestamp])

    def check_timestamps(self, timestamps: list[float]) -> None:
        """Raise ``ValueError`` unless these could be the stream's next frame times: finite,
        >= 0, never going backwards (from the last frame streamed, and among themselves) once
        mapped onto the stream's timeline (after ``start_segment`` a restarted clock is fine)."""
        for timestamp in timestamps:
            if not math.isfinite(timestamp) or timestamp < 0:
                raise ValueError(
                    f"timestamp must be a finite number of seconds >= 0 (got {timestamp})"
                )
        last = self.last_timestamp
        for timestamp in self.clock.to_stream_all(list(timestamps), last):
            if last is not None and timestamp < last:
                raise ValueError(f"timestamps must not go backwards ({timestamp} after {last})")
            last = timestamp

    def _ensure_system(self) -> None:
        if self.layout.system:
            return
        text = self.model.prompt.system_text(self.config.system_prompt)
        ids = self.model.tokenize(text)  # [1, S]
        positions = self.model.text_positions(0, ids.shape[1])  # [R, 1, S]
        with self.model.plain_text():  # the system turn is the base model's (as in training)
            self._forward(self.model.embed(ids), positions)
        self.layout.system = ids.shape[1]
        self.placement.after_system(positions)

    def _forward(self, inputs: torch.Tensor, positions: torch.Tensor, **extra) -> torch.Tensor:
        """Run the language model over ``inputs [1, q, D]`` at ``positions [R, 1, q]``,
        appending to the cache; returns the last hidden states ``[1, q, D]``."""
        self.placement.record(positions, self.cache.length)  # PositionLimitError
        return self.model.decode_step(inputs, positions, self.cache, **extra)

    def _next_token_logits(self, inputs: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """``_forward``, then the head on the last position: logits ``[V]``. While nothing is
        remembered, text runs through the plain language model (``plain_text``)."""
        with self.model.plain_text(enabled=not self.bank.entries):
            return self.model.lm_head(self._forward(inputs, positions)[:, -1])[0]

    def _next_start(self) -> int:
        return self.placement.next_start(self.cache.length)

    def _next_positions(self, count: int) -> torch.Tensor:
        """Positions ``[R, 1, count]`` of the next ``count`` text tokens."""
        return self.model.text_positions(self._next_start(), count)

    def _prefill_frame(self, visual: VisualTokens, timestamp: float):
        config = self.config
        frame_index = self.frames_seen
        start = self.cache.length
        # [before | visual | after | carrier]; scaffold entries count as the frame's visual part
        chunk, summary = frame_chunk(self.model, config, visual, timestamp)
        n = chunk.block_entries
        placed = self._next_start()
        positions = self.model.frame_positions(placed, chunk, self.placement.layout)  # [R, 1, q]
        selected = None
        if config.keep_topk:
            with CarrierAttentionProbe(self.model.attention_modules(), self.cache) as probe:
                self._forward(chunk.inputs, positions, **chunk.decoder_kwargs)
            kept = chunk.time  # time entries stay anyway: top-k is chosen after them
            top = probe.top_visual(start + kept, n - kept, config.keep_topk)
            selected = [[kept + index for index in layer] for layer in top]
        else:
            self._forward(chunk.inputs, positions, **chunk.decoder_kwargs)
        surgery_started = time.perf_counter()
        self.placement.placed(frame_index, placed, positions)
        self.frames_seen += 1
        self.last_timestamp = timestamp
        self.layout.blocks.append(
            FrameBlock(frame_index, n, "full", config.carrier, selected, chunk.time, timestamp)
        )
        self.bank.append(BankEntry(frame_index, timestamp, timestamp, summary.float()))
        evicted = [entry for _, entry in self.bank.evict_over_capacity()]
        self._cut(step_changes(config, self.layout, frame_index), evicted)
        surgery_ms = (time.perf_counter() - surgery_started) * 1000
        return frame_index, tuple(entry.info() for entry in evicted), surgery_ms

    def _cut(self, changes: list[BlockChange], evicted: list[BankEntry]) -> None:
        """Apply the retention policy's changes (``retention.py``) to the layout and the cache."""
        real = cut_changes(self.config, self.layout, changes, evicted)
        if not real:
            return  # e.g. full-token streaming without eviction: nothing to cut
        keep = self.layout.transition(real, self.model.num_layers)
        self.positions.truncate(self.cache.length)
        self.cache.keep(keep)
        self.placement.settle(self.cache, self.layout, keep)
        if self.cache.length != self.layout.length:
            raise RuntimeError("cache and layout disagree after a cut")
