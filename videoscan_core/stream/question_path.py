"""The question half of the streaming engine: prompts, the answer's token loop, evidence.

Contract: ``QuestionPath`` is a base class of ``StreamingEngine`` (``engine.py`` holds the stream:
frames, the cache cuts, positions) and holds everything a question does on top of the memory:
``ask`` streams ``AnswerChunk``s (time instruction, follow-up history, screen text and question
prefilled over the cache, then decoding, then the cache truncated back: the stream continues
exactly as if nothing had been asked), ``first_token_logits`` (one rolled-back prefill, for
conditions and tests), ``question_prompt``, the follow-up history verbs (``clear_conversation``,
``shown_history``) and the closer look. It uses the engine's state (declared below) and its
``_guarded``, ``_ensure_system``, ``_forward``, ``_next_token_logits`` and ``_next_start``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor

from ..adapters.prompt import time_instruction
from ..config import EngineConfig, GenerationOptions
from ..events import AnswerChunk, SeenText
from ..limits import check_text
from ..screen_text.prompt import fit_screen_text, render_screen_text
from .cache_layout import CacheLayout
from .decoding import IncrementalText, TokenChooser
from .evidence import QuestionProbe, memory_spans, memory_weights, top_evidence
from .history import FollowUpHistory, fit_history, prompt_with_history
from .memory_bank import MemoryBank
from .positions import check_limit
from .slot_cache import SlotCache


class QuestionPath:
    # the engine's state this half reads (set by StreamingEngine.reset)
    model: Any
    config: EngineConfig
    cache: SlotCache
    bank: MemoryBank
    layout: CacheLayout
    history: FollowUpHistory
    last_timestamp: float | None
    newest_frame: np.ndarray | None
    _answer_start: int
    _active_answer: Iterator[AnswerChunk] | None

    if TYPE_CHECKING:  # the engine's, used here

        def _guarded(self) -> AbstractContextManager[None]: ...

        def _ensure_system(self) -> None: ...

        def _forward(self, inputs: torch.Tensor, positions: torch.Tensor, **extra) -> Tensor: ...

        def _next_token_logits(self, inputs: Tensor, positions: Tensor) -> Tensor: ...

        def _next_start(self) -> int: ...

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
