"""The training forward of every family: streaming inference replayed with gradients.

Contract: ``StreamReplayTrainingModel(vlm, stage, position_mode)`` wraps an adapter
(``adapters.base.VisionLanguageModel``) and trains it on exactly what streaming inference feeds
the decoder, built by the adapter's own methods (``preprocess``/``encode``, the prompt scaffold
around each frame in ``frame_inputs``, ``frame_positions``/``text_positions`` with M-RoPE rows,
DeepStack ``decoder_kwargs``, ``decode_step``), so SmolVLM2 and the Qwen-VL families train through
the code that serves them. Per sample: the system prompt, then frame by frame (in a differentiable
``DynamicCache``)
stage 0: the frame's chunk ``[before | visual | after]``, kept (ordinary full-token streaming),
stage 1: the carrier alone (mean of the frame's visual tokens),
stage 2: ``[before | visual | after | carrier]``, after which only the carrier and the frame's time
text (``FrameInputs.time``: SmolVLM2, Qwen3-VL) stay in the cache, as in streaming (the
semantic-aware mask, sequentially: a carrier sees its frame and earlier carriers, text sees carriers
and their time text only); then each question with its answer teacher-forced in one prefill from the
frames' cache, which is rolled back before the next question (questions never see each other).
Positions: ``compact`` (a chunk starts where the cache ends, as the engine's default) or
``monotonic`` (frames numbered contiguously); stages 0 and 1 cut nothing and always use the family's
own layout (``monotonic``: for M-RoPE families a chunk's entries are not its positions). ``forward``
takes a ``Collator(raw_frames=True)`` batch and returns ``{"loss"}`` as ``CarrierTrainingModel``
does (the two are equal on LLaVA families: ``tests/train/test_replay.py``); ``answer_logits``
returns ``(logits [K, V], targets [K])``.
"""

from __future__ import annotations

import torch
from torch import nn

from ..errors import VideoScanError
from ..stream.frame_chunk import carrier_of
from .model import answer_loss
from .preflight import REPLAY_POSITION_MODES


def keep_entries(cache, index: list[int]) -> None:
    """Keep only the cache entries at ``index`` in every layer (differentiable)."""
    for layer in cache.layers:
        where = torch.tensor(index, device=layer.keys.device)
        layer.keys = layer.keys.index_select(-2, where)  # [1, H, kept, d]
        layer.values = layer.values.index_select(-2, where)


class StreamReplayTrainingModel(nn.Module):
    one_forward_uncut = True  # stages 0/1: every frame chunk in one decoder call (``_uncut``)

    def __init__(self, vlm, stage: int, position_mode: str = "compact") -> None:
        super().__init__()
        if stage not in (0, 1, 2):
            raise ValueError(f"stage must be 0, 1 or 2 (got {stage})")
        if stage != 2:  # nothing is cut: the stream's own (native) layout
            position_mode = "monotonic"
        if position_mode not in REPLAY_POSITION_MODES:
            raise VideoScanError(
                f"{vlm.family} models train with compact or monotonic positions "
                f"(not {position_mode})"
            )
        self.vlm = vlm
        self.model = vlm.model  # registered: its parameters are the trained ones
        self.stage = stage
        self.position_mode = position_mode

    def _frames(self, cache, frames, stamps, used: int) -> int:
        """Stream one sample's frames into ``cache``; returns the next free position."""
        vlm = self.vlm
        stream = vlm.new_stream()  # this sample's place in the family's layout
        visual = vlm.encode(vlm.preprocess(frames))  # tokens [T, N, D] (+ extras)
        chunks = []
        for t, stamp in enumerate(stamps):
            frame = visual[t]  # [1, N, D]
            carrier = carrier_of(frame.tokens)  # [1, 1, D]
            if self.stage == 0:
                chunks.append(vlm.frame_inputs(frame, float(stamp), None))
            elif self.stage == 1:
                chunks.append(vlm.frame_inputs(None, float(stamp), carrier))
            else:
                chunks.append(vlm.frame_inputs(frame, float(stamp), carrier))
        if self.one_forward_uncut and self.stage != 2 and not any(
            chunk.decoder_kwargs for chunk in chunks
        ):
            return self._uncut(cache, chunks, stream, used)
        for chunk in chunks:
            length = cache.get_seq_length()
            start = length if self.position_mode == "compact" else used
            positions = vlm.frame_positions(start, chunk, stream)  # [R, 1, q]
            vlm.decode_step(chunk.inputs, positions, cache, **chunk.decoder_kwargs)
            used = vlm.next_position(positions)
            if self.stage == 2:  # the frame's tokens go; its time text and carrier stay
                time = list(range(length, length + chunk.time))
                keep_entries(cache, [*range(length), *time, length + chunk.block_entries])
        return used

    def _uncut(self, cache, chunks, stream, used: int) -> int:
        """Stages 0 and 1 cut nothing, so all frame chunks go through the decoder in one
        forward: causal attention over the same positions as frame by frame, T times fewer
        decoder calls (chunks with extra decoder inputs, DeepStack, go one by one)."""
        vlm = self.vlm
        length = cache.get_seq_length()
        inputs, grids = [], []
        for chunk in chunks:
            start = length if self.position_mode == "compact" else used
            positions = vlm.frame_positions(start, chunk, stream)  # [R, 1, q]
            inputs.append(chunk.inputs)
            grids.append(positions)
            length += chunk.length
            used = vlm.next_position(positions)
        vlm.decode_step(torch.cat(inputs, dim=1), torch.cat(grids, dim=2), cache)
        return used

    def _sample(self, batch, b: int) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        from transformers import DynamicCache

        vlm = self.vlm
        cache = DynamicCache()
        system = batch["system_ids"][b : b + 1]  # [1, S]
        positions = vlm.text_positions(0, system.shape[1])
        with vlm.plain_text():  # as the engine: the system turn without LoRA adapters
            vlm.decode_step(vlm.embed(system), positions, cache)
        used = vlm.next_position(positions)
        used = self._frames(cache, batch["frames"][b], batch["timestamps"][b], used)
        frames_end = cache.get_seq_length()
        logits, targets = [], []
        for k in range(int(batch["qa_counts"][b])):
            question = batch["question_ids"][b, k, : batch["question_lengths"][b, k]]
            answer = batch["answer_ids"][b, k, : batch["answer_lengths"][b, k]]
            ids = torch.cat([question, answer])[None]  # [1, q + a]
            start = frames_end if self.position_mode == "compact" else used
            hidden = vlm.decode_step(vlm.embed(ids), vlm.text_positions(start, ids.shape[1]), cache)
            first = question.shape[0] - 1  # the token before each answer token predicts it
            logits.append(vlm.lm_head(hidden[0, first : first + answer.shape[0]]))  # [a, V]
            targets.append(answer)
            cache.crop(frames_end - cache.get_seq_length())  # roll the question back
        return logits, targets

    def answer_logits(self, **batch) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits [K, V], targets [K]) at every answer token of the batch."""
        logits, targets = [], []
        for b in range(len(batch["frames"])):
            row_logits, row_targets = self._sample(batch, b)
            logits += row_logits
            targets += row_targets
        return torch.cat(logits), torch.cat(targets)

    def forward(self, **batch) -> dict[str, torch.Tensor]:
        return {"loss": answer_loss(*self.answer_logits(**batch))}
