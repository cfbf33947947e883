"""The training forward: one sequence per sample, the stage's mask and positions, answer loss.

Contract: ``CarrierTrainingModel(model, stage, position_mode)`` wraps a
``LlavaOnevisionForConditionalGeneration``; ``forward(**batch)`` (a ``Collator`` batch) builds,
per sample, ``[system][frames][question 1][answer 1][question 2][answer 2]...`` (each question
sees the frames and itself, never the other questions) where the frames are
stage 0: ``E_1 .. E_T`` (ordinary causal attention),
stage 1: ``c_1 .. c_T`` (carriers only; c_t = mean(E_t)),
stage 2: ``E_1, c_1, .., E_T, c_T`` with the semantic-aware mask and the position ids of
streaming inference (``compact``, ``monotonic`` or ``rerotate``: compact queries, carrier keys
read at their compacted positions via ``key_shift_attention``), so one training forward equals
streaming; or ``official``: 0..L-1 over the whole sequence, as the official training code
(``position_ids=None``), which differs from its own streaming inference.
It returns ``{"loss": cross-entropy over answer tokens}`` (under DDP scaled so that the averaged
gradient is the mean over the global batch's answer tokens, as in one process);
``answer_logits`` gives the logits at the answer positions (for tests).
"""

from __future__ import annotations

import torch
from torch import nn

from ..adapters.llava_onevision import encode_visual_tokens
from ..stream.frame_chunk import carrier_of
from .masks import (
    CARRIER,
    PAD,
    SYSTEM,
    TEXT,
    VISUAL,
    additive_mask,
    causal_allowed,
    semantic_aware_allowed,
    stream_key_shift,
    stream_position_ids,
)

IGNORE = -100


class CarrierTrainingModel(nn.Module):
    def __init__(
        self, model, stage: int, position_mode: str = "compact", newline: str = "none"
    ) -> None:
        super().__init__()
        if stage not in (0, 1, 2):
            raise ValueError(f"stage must be 0, 1 or 2 (got {stage})")
        self.model = model
        self.stage = stage
        self.position_mode = position_mode
        self.newline = newline

    def _sequences(self, batch: dict[str, torch.Tensor]):
        pixel_values = batch["pixel_values"]  # [B, T, 3, S, S]
        counts = batch["frame_counts"].tolist()
        valid = torch.cat([pixel_values[b, :n] for b, n in enumerate(counts)])  # [sum T, 3, S, S]
        dtype = self.model.lm_head.weight.dtype
        visual = encode_visual_tokens(self.model, valid.to(dtype), self.newline)  # [sum T, N, D]
        embed = self.model.get_input_embeddings()
        rows, start = [], 0
        for b, count in enumerate(counts):
            frames = visual[start : start + count]
            start += count
            pieces = [embed(batch["system_ids"][b])]
            types = [SYSTEM] * pieces[0].shape[0]
            frame_ids = [-1] * pieces[0].shape[0]
            n = frames.shape[1]
            for t in range(count):
                if self.stage in (0, 2):
                    pieces.append(frames[t])
                    types += [VISUAL] * n
                    frame_ids += [t] * n
                if self.stage in (1, 2):
                    pieces.append(carrier_of(frames[t]))  # [1, D]
                    types.append(CARRIER)
                    frame_ids.append(t)
            labels = [IGNORE] * len(types)
            segments = [0] * len(types)
            for k in range(int(batch["qa_counts"][b])):
                question = batch["question_ids"][b, k, : batch["question_lengths"][b, k]]
                answer = batch["answer_ids"][b, k, : batch["answer_lengths"][b, k]]
                pieces += [embed(question), embed(answer)]
                text = question.shape[0] + answer.shape[0]
                types += [TEXT] * text
                frame_ids += [-1] * text
                segments += [k + 1] * text
                labels += [IGNORE] * question.shape[0] + answer.tolist()
            rows.append((torch.cat(pieces), types, frame_ids, segments, labels))
        return rows

    def _batch(self, batch):
        rows = self._sequences(batch)
        length = max(row[0].shape[0] for row in rows)
        dim = rows[0][0].shape[1]
        embeds = rows[0][0].new_zeros(len(rows), length, dim)
        device = embeds.device
        types = torch.full((len(rows), length), PAD, dtype=torch.long)
        frame_ids = torch.full((len(rows), length), -1, dtype=torch.long)
        segments = torch.zeros((len(rows), length), dtype=torch.long)
        labels = torch.full((len(rows), length), IGNORE, dtype=torch.long)
        for b, (embedded, row_types, row_frames, row_segments, row_labels) in enumerate(rows):
            size = embedded.shape[0]
            embeds[b, :size] = embedded
            types[b, :size] = torch.tensor(row_types)
            frame_ids[b, :size] = torch.tensor(row_frames)
            segments[b, :size] = torch.tensor(row_segments)
            labels[b, :size] = torch.tensor(row_labels)
        types, frame_ids = types.to(device), frame_ids.to(device)
        segments, labels = segments.to(device), labels.to(device)
        if self.stage == 0:
            allowed = causal_allowed(types, segments)
            positions = stream_position_ids(types, frame_ids, "monotonic", segments)
        else:
            allowed = semantic_aware_allowed(types, frame_ids, segments)
            mode = self.position_mode if self.stage == 2 else "monotonic"
            if mode == "official":  # the official code's 0..L-1 over the whole sequence
                positions = torch.arange(length, device=device).expand(len(rows), length)
            else:
                positions = stream_position_ids(types, frame_ids, mode, segments)
        mask = additive_mask(allowed, embeds.dtype)  # [B, 1, L, L]
        self._key_shift = None
        if self.stage == 2 and self.position_mode == "rerotate":
            self._key_shift = stream_key_shift(types, frame_ids)  # [B, L]
        return embeds, mask, positions, labels

    def answer_logits(self, **batch) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits [K, V], targets [K]) at every answer token of the batch."""
        embeds, mask, positions, labels = self._batch(batch)
        language = self.model.model.language_model
        if self._key_shift is None:
            hidden = language(inputs_embeds=embeds, attention_mask=mask, position_ids=positions)
        else:
            from .key_shift_attention import key_shift_scope

            with key_shift_scope(language, self._key_shift) as extra:
                hidden = language(
                    inputs_embeds=embeds, attention_mask=mask, position_ids=positions, **extra
                )
        hidden = hidden.last_hidden_state  # [B, L, D]
        rows, cols = torch.nonzero(labels != IGNORE, as_tuple=True)
        logits = self.model.lm_head(hidden[rows, cols - 1])  # the token before predicts it
        return logits, labels[rows, cols]

    def forward(self, **batch) -> dict[str, torch.Tensor]:
        return {"loss": answer_loss(*self.answer_logits(**batch))}


def answer_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy over answer tokens (``logits [K, V]``, ``targets [K]``)."""
    world = _world_size()
    if world == 1:
        return nn.functional.cross_entropy(logits.float(), targets)
    # under DDP (torchrun) the gradients are averaged over processes: scale each process's
    # token sum so that the average is the mean over every answer token of the global batch,
    # exactly what one process with the whole batch computes
    total = torch.tensor(float(targets.numel()), device=targets.device)
    torch.distributed.all_reduce(total)
    summed = nn.functional.cross_entropy(logits.float(), targets, reduction="sum")
    return summed * world / total.clamp(min=1)


def _world_size() -> int:
    distributed = torch.distributed
    if distributed.is_available() and distributed.is_initialized():
        return distributed.get_world_size()
    return 1
