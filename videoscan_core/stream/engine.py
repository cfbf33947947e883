"""The VideoScan streaming engine.

Contract (DESIGN.md section 1): ``StreamingEngine(model, config)`` holds one stream.
``add_frame(rgb, t)`` encodes a frame to N visual tokens ``E_t``, appends the carrier ``c_t =
mean(E_t)``, prefills ``[E_t, c_t]`` over the cache ``[system][memory]`` and cuts the cache
back: system, earlier carriers, the new carrier (plus top-k / recent-window entries when
enabled). The memory bank then evicts the older member of the most similar adjacent carrier pair
while it holds more than M. ``ask(question)`` is a generator of ``AnswerChunk``: it prefills the
time instruction, the screen text it is given and the question over the current cache, decodes,
and finally truncates the cache back, so the stream continues exactly as if nothing had been
asked. The engine is single-threaded: call it from one thread (the app's worker owns it).
"""

from __future__ import annotations

import copy
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

import numpy as np
import torch

from ..adapters.base import VisualTokens
from ..adapters.prompt import time_instruction
from ..config import EngineConfig, GenerationOptions
from ..errors import StepAborted
from ..events import AnswerChunk, CarrierInfo, FrameEvent, MemorySnapshot, SeenText
from ..limits import check_text, fit_positions
from ..screen_text.prompt import fit_screen_text, render_screen_text
from .cache_layout import BlockChange, CacheLayout, FrameBlock
from .carrier_attention import CarrierAttentionProbe
from .decoding import IncrementalText, TokenChooser
from .evidence import QuestionProbe, memory_spans, memory_weights, top_evidence
from .frame_chunk import frame_chunk
from .history import FollowUpHistory, fit_history, prompt_with_history
from .memory_bank import BankEntry, MemoryBank
from .positions import PositionBook, Rotation, check_limit, settle
from .session_clock import SessionClock
from .slot_cache import SlotCache

log = logging.getLogger("videoscan")


class StreamingEngine:
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
        from ..presets import recommended_config

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
        rerotating = self.config.position_mode in ("rerotate", "sliding")
        # keys moved many times are re-derived from the keys as computed (one rounding)
        exact = rerotating and self.model.dtype != torch.float32
        self.cache = SlotCache(self.model.num_layers, capacity, original_keys=exact)
        self.bank = MemoryBank(self.config.memory_size)
        self.layout = CacheLayout()
        self.frames_seen = 0
        self.frames_folded = 0
        self.last_timestamp: float | None = None  # on the stream's timeline (see SessionClock)
        self.clock = SessionClock()
        self.positions_used = 0  # next free position (compact numbers from the cache length)
        rows = getattr(self.model, "position_rows", 1)
        self.positions = PositionBook(self.model.num_layers, rows, capacity)  # per-slot positions
        self._rotation = Rotation.from_model(self.model) if rerotating else None  # checks RoPE
        self._stream = self.model.new_stream()  # this stream's place in the family's layout
        self._gaps: dict[int, list[int]] = {}  # frame -> per row, what its place adds (sliding)
        self._active_answer: Iterator[AnswerChunk] | None = None
        self.newest_frame: np.ndarray | None = None  # pixels for a closer look
        self._answer_start = 0  # position of the first answer token (after the question)

    def configure(self, config: EngineConfig, given: frozenset[str] | None = None) -> None:
        """Run with ``config`` from a fresh stream (``reset``): the model's training-free preset
        fills the fields not in ``given`` (default: those left at their defaults; ``presets``),
        the one place where presets meet a running engine."""
        from ..presets import fields_set_by_user, recommended_config

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
        checkpoint, stream = self.cache.length, copy.copy(self._stream)
        try:
            with self._guarded():
                self._ensure_system()
                event = self._prefill_frame(
                    visual.to(self.model.device, self.model.dtype), timestamp
                )
        except StepAborted:
            self.cache.truncate(checkpoint)  # layers may have appended different amounts
            self._stream = stream  # the frame was never placed
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
        self.positions_used = self.model.next_position(positions)

    def _forward(self, inputs: torch.Tensor, positions: torch.Tensor, **extra) -> torch.Tensor:
        """Run the language model over ``inputs [1, q, D]`` at ``positions [R, 1, q]``,
        appending to the cache; returns the last hidden states ``[1, q, D]``."""
        self._record_positions(positions)
        return self.model.decode_step(inputs, positions, self.cache, **extra)

    def _record_positions(self, positions: torch.Tensor) -> None:
        """Refuse positions past the model's limit (before the forward), then note them."""
        limit = getattr(self.model, "max_position_embeddings", 0)
        check_limit(positions, limit, self.config.position_mode)  # PositionLimitError
        self.positions.truncate(self.cache.length)  # a question or abort was rolled back
        self.positions.append(positions)

    def _settle_positions(self, keep) -> None:
        """After a cut: the positions of the kept slots; rerotate/sliding move the keys."""
        mode, book = self.config.position_mode, self.positions
        closed = settle(mode, self.cache, book, self._rotation, self.layout, self._gaps, keep)
        if closed == []:  # rerotate: packed
            self.positions_used = book.next_free()
        elif closed is not None:  # sliding: later frames moved back by what left
            self.positions_used = self._stream.closed(closed, self.positions_used)

    def _frame_placed(self, frame_index: int, start: int, positions: torch.Tensor) -> None:
        """A frame chunk went in at ``positions [R, 1, q]`` from ``start``: note what it adds."""
        self.positions_used = self.model.next_position(positions)
        self._gaps[frame_index] = self._stream.gap(start, positions)

    def _next_token_logits(self, inputs: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """``_forward``, then the head on the last position: logits ``[V]``. While nothing is
        remembered, text runs through the plain language model (``plain_text``)."""
        with self.model.plain_text(enabled=not self.bank.entries):
            return self.model.lm_head(self._forward(inputs, positions)[:, -1])[0]

    def _next_start(self) -> int:
        return self.cache.length if self.config.position_mode == "compact" else self.positions_used

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
        positions = self.model.frame_positions(placed, chunk, self._stream)  # [R, 1, q]
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
        self._frame_placed(frame_index, placed, positions)
        self.frames_seen += 1
        self.last_timestamp = timestamp
        self.layout.blocks.append(
            FrameBlock(frame_index, n, "full", config.carrier, selected, chunk.time, timestamp)
        )
        self.bank.append(BankEntry(frame_index, timestamp, timestamp, summary.float()))
        evicted = [entry for _, entry in self.bank.evict_over_capacity()]
        changes = [self._settled_state(frame_index)]
        if config.carrier and config.recent_frames:
            aged = frame_index - config.recent_frames
            changes += [
                BlockChange(block.frame_index, self._aged_visual(block), block.carrier)
                for block in self.layout.blocks
                if block.frame_index <= aged and block.visual == "full"
            ]
        self._cut(changes, evicted)
        surgery_ms = (time.perf_counter() - surgery_started) * 1000
        return frame_index, tuple(entry.info() for entry in evicted), surgery_ms

    def _settled_state(self, frame_index: int) -> BlockChange:
        """The new frame's state after its step."""
        config = self.config
        if not config.carrier or config.recent_frames:
            return BlockChange(frame_index, "full", config.carrier)
        return BlockChange(frame_index, "selected" if config.keep_topk else "none", True)

    def _aged_visual(self, block: FrameBlock) -> Literal["selected", "none"]:
        return "selected" if self.config.keep_topk and block.carrier else "none"

    def _cut(self, changes: list[BlockChange], evicted: list[BankEntry]) -> None:
        merged = {change.frame_index: change for change in changes}
        for entry in evicted:
            block = self.layout.block(entry.frame_index)
            current = merged.get(entry.frame_index)
            visual = current.visual if current else block.visual
            if not self.config.carrier or visual == "selected":
                visual = "none"  # a whole frame (full-token mode) or its top-k goes with it
            merged[entry.frame_index] = BlockChange(entry.frame_index, visual, False)
        blocks = {block.frame_index: block for block in self.layout.blocks}
        real = [
            change
            for change in merged.values()
            if (blocks[change.frame_index].visual, blocks[change.frame_index].carrier)
            != (change.visual, change.carrier)
        ]
        if not real:
            return  # e.g. full-token streaming without eviction: nothing to cut
        keep = self.layout.transition(real, self.model.num_layers)
        self.positions.truncate(self.cache.length)
        self.cache.keep(keep)
        self._settle_positions(keep)
        if self.cache.length != self.layout.length:
            raise RuntimeError("cache and layout disagree after a cut")

    # -- questions -------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        options: GenerationOptions | None = None,
        should_stop: Callable[[], bool] | None = None,
        use_history: bool = True,
        remember: bool = True,
        screen_text: Sequence[SeenText] = (),
    ) -> Iterator[AnswerChunk]:
        """Stream the answer to ``question`` as ``AnswerChunk``s (the last one has the stats and
        the evidence times). ``use_history``: the recent conversation is shown before the
        question; ``remember``: a finished (not cancelled) answer joins the conversation;
        ``screen_text``: blocks read on the screen, best first, shown right before the question
        (those that fit, ``fit_screen_text``; they are the answer's ``evidence_text``). A
        question over ``limits.MAX_QUESTION_CHARS`` is refused at once (``VideoScanError``)."""
        check_text(question)
        self._close_active_answer()
        answer = self._answer(
            question,
            options or GenerationOptions(),
            should_stop,
            use_history,
            remember,
            fit_screen_text(screen_text, count_tokens=self._count_tokens),
        )
        self._active_answer = answer
        return answer

    def answer(self, question: str, options: GenerationOptions | None = None) -> str:
        """The whole answer as one string."""
        chunks = list(self.ask(question, options))
        return chunks[-1].answer

    def _count_tokens(self, text: str) -> int:
        return int(self.model.tokenize(text).shape[1])

    def clear_conversation(self) -> None:
        """Forget the recent questions and answers (New conversation); the stream is kept."""
        self.history.clear()

    @contextmanager
    def shown_history(self, turns: Sequence[tuple[str, str]]) -> Iterator[None]:
        """Inside, questions are shown ``turns`` (a request's own earlier exchanges) instead of
        the engine's follow-up history, and what is answered inside is not remembered in it."""
        shared, self.history = self.history, FollowUpHistory()
        for question, answer in turns:
            self.history.add(question, answer)
        try:
            yield
        finally:
            self.history = shared

    def question_prompt(
        self,
        question: str,
        use_history: bool = True,
        context: str | None = None,
        with_times: bool = True,
    ) -> str:
        """The text after the memory: the recent conversation (bounded in tokens, see
        ``history.py``) when ``use_history``, the time instruction (when the config and the
        model want it, unless ``with_times`` is False), the screen text ``context``, the
        question."""
        instruction = None
        wanted = self.config.time_instruction and getattr(self.model, "time_instruction", True)
        if wanted and with_times and self.bank.entries:
            duration = self.last_timestamp or 0.0
            instruction = time_instruction(duration, self.bank.timestamps())
        history = self.history.for_question(question) if use_history else ()
        return fit_history(
            history,
            lambda turns: prompt_with_history(
                self.model.prompt, question, instruction, turns, context
            ),
            lambda text: int(self.model.tokenize(text).shape[1]),
        )

    def first_token_logits(
        self,
        question: str,
        use_history: bool = True,
        screen_text: Sequence[SeenText] = (),
        with_times: bool = True,
    ) -> torch.Tensor:
        """Logits ``[V]`` (float32) of the answer's first token; the stream is left unchanged.
        ``with_times=False`` leaves out the time instruction (``question_prompt``)."""
        self._close_active_answer()
        context = render_screen_text(fit_screen_text(screen_text, count_tokens=self._count_tokens))
        with self._guarded():
            self._ensure_system()
            checkpoint = self.cache.length
            try:
                start = self._closer_look(self._next_start())  # before a session copies
                session = self._answer_session(0)
                logits = self._prefill_question(
                    question, use_history, None, context, with_times, session, start
                )
                return logits.float().clone()
            finally:
                self.cache.truncate(checkpoint)

    def _answer_session(self, tokens: int):
        """The answer runtime's session over the cache (None: PyTorch float32, in place)."""
        runtime = self.model.__dict__.get("answer_runtime")
        if runtime is None or runtime.name == "torch-f32":
            return None
        return runtime.session(self.cache, 512 + tokens)

    def _answer_logits(self, session, inputs: torch.Tensor, positions: torch.Tensor):
        """Logits ``[V]`` of the token after ``inputs [1, q, D]`` at ``positions [R, 1, q]``."""
        if session is None:
            return self._next_token_logits(inputs, positions)
        check_limit(positions, self.model.max_position_embeddings, self.config.position_mode)
        return session.logits(inputs, positions)

    def _prefill_question(
        self,
        question: str,
        use_history: bool = True,
        evidence: list | None = None,
        context: str | None = None,
        with_times: bool = True,
        session=None,
        start: int | None = None,
    ) -> torch.Tensor:
        """Prefill the question over the cache (on the answer runtime's ``session``); logits
        ``[V]`` of the first answer token. With ``evidence`` (a list), the question's attention
        row is probed and the heaviest memory entries are appended to it (``evidence.py``).
        ``start``: where the question goes (after a closer look; the stream's next position)."""
        start = self._next_start() if start is None else start
        prompt = self.question_prompt(question, use_history, context, with_times)
        ids = self.model.tokenize(prompt)  # [1, Q]
        positions = self.model.text_positions(start, ids.shape[1])  # [R, 1, Q]
        self._answer_start = start + ids.shape[1]
        if evidence is None or not self.bank.entries:
            return self._answer_logits(session, self.model.embed(ids), positions)
        entries = list(self.bank.entries)
        spans = memory_spans(self.layout, entries, self.config.carrier)
        modules = session.attention_modules if session else self.model.attention_modules()
        with QuestionProbe(modules, session.cache if session else self.cache) as probe:
            logits = self._answer_logits(session, self.model.embed(ids), positions)
        rows = session.rows if session is not None and session.rows is not None else probe.rows
        evidence += top_evidence(entries, memory_weights(rows, spans))
        return logits

    def _closer_look(self, start: int) -> int:
        """Prefill the newest frame at a higher resolution from ``start`` (rolled back with the
        question); returns where the question starts."""
        frame = self.newest_frame if self.config.closer_look else None
        chunk = self.model.closer_look(frame) if frame is not None else None
        if chunk is None:
            return start
        positions = self.model.look_positions(start, chunk)  # [R, 1, q]
        self._forward(chunk.inputs, positions, **chunk.decoder_kwargs)
        return self.model.next_position(positions)

    def _answer(
        self, question, options, should_stop, use_history=True, remember=True, screen_text=()
    ) -> Iterator[AnswerChunk]:
        started = time.perf_counter()
        with self._guarded():
            self._ensure_system()
        checkpoint = self.cache.length
        text = IncrementalText(self.model.decode)
        chooser = TokenChooser(options, self.model.device)
        ttft_ms, reason = 0.0, "max_tokens"
        evidence: list = []
        try:
            with self._guarded():
                context = render_screen_text(screen_text)
                start = self._closer_look(self._next_start())  # before a session copies
                session = self._answer_session(options.max_new_tokens)
                logits = self._prefill_question(
                    question, use_history, evidence, context, session=session, start=start
                )
            next_position = self._answer_start  # the first answer token follows the question
            for step in range(options.max_new_tokens):
                token = chooser(logits)
                if step == 0:
                    ttft_ms = (time.perf_counter() - started) * 1000
                if token in self.model.eos_token_ids:
                    reason = "eos"
                    break
                piece = text.push(token)
                if piece:
                    yield AnswerChunk(piece)
                if any(stop in text.emitted for stop in options.stop_strings):
                    reason = "stop_string"
                    break
                if should_stop is not None and should_stop():
                    reason = "cancelled"
                    break
                if step + 1 == options.max_new_tokens:
                    break
                with self._guarded():
                    ids = torch.tensor([[token]], device=self.model.device)
                    positions = self.model.text_positions(next_position, 1)  # [R, 1, 1]
                    logits = self._answer_logits(session, self.model.embed(ids), positions)
                next_position += 1
            final = text.text
            for stop in options.stop_strings:
                final = final.split(stop)[0]
            if remember and reason != "cancelled":
                self.history.add(question, final)
            yield AnswerChunk(
                "",
                finished=True,
                answer=final.strip(),
                tokens=len(text.ids),
                stop_reason=reason,
                ttft_ms=ttft_ms,
                total_ms=(time.perf_counter() - started) * 1000,
                evidence=tuple(item.timestamp for item in evidence),
                evidence_frames=tuple(item.frame_index for item in evidence),
                evidence_weights=tuple(round(item.weight, 4) for item in evidence),
                evidence_text=tuple(screen_text),
            )
        finally:
            self.cache.truncate(checkpoint)
            self._active_answer = None

    def _close_active_answer(self) -> None:
        """Finish an answer generator left open, so its rollback runs before the stream moves."""
        active = getattr(self, "_active_answer", None)
        if active is not None:
            self._active_answer = None
            active.close()
