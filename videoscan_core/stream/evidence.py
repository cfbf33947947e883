"""Where in the stream an answer's evidence is: the memory entries the question attended to most.

Contract: the question's last prompt token (the one whose output is the answer's first token)
is probed as VideoScan+ probes a carrier (``CarrierAttentionProbe``: only that token's attention
row, per layer, head-averaged; no attention map is built). ``memory_weights(rows, spans)`` turns
the rows ``[1, S_kv]`` of all layers into one weight per memory entry: the layer-mean attention
on the entry's cache slots (its carrier; in full-token mode, all of its frame's entries),
normalised to sum to 1 over the memory. ``top_evidence(entries, weights, k)`` gives the ``k``
heaviest as ``Evidence`` (frame index, time range, weight), heaviest first. ``memory_spans``
reads the slots from the engine's layout, in bank order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

DEFAULT_EVIDENCE = 3


@dataclass(frozen=True)
class Evidence:
    frame_index: int
    timestamp: float  # the frame's time, seconds on the stream's timeline
    until: float  # last time it stands for (static frames folded into it)
    weight: float  # share of the question's attention on the memory, 0..1


def memory_spans(layout, bank_entries, carrier: bool) -> list[list[int]]:
    """Cache slots of each bank entry (bank order): its carrier slot, or (full-token mode) all
    slots of its frame's block."""
    spans = []
    for entry in bank_entries:
        if carrier:
            spans.append([layout.carrier_slot(entry.frame_index)])
        else:
            start = layout.block_start(entry.frame_index)
            spans.append(list(range(start, start + layout.block(entry.frame_index).size)))
    return spans


def memory_weights(rows: Sequence[torch.Tensor | None], spans: list[list[int]]) -> list[float]:
    """Layer-mean attention of the probed token on each span, normalised over the spans."""
    valid = [row[0].float() for row in rows if row is not None]  # each [S_kv]
    if not valid or not spans:
        return [0.0] * len(spans)
    mean = torch.stack(valid).mean(dim=0)  # [S_kv]
    raw = torch.stack([mean[span].sum() for span in spans])  # [E]
    total = float(raw.sum())
    if total <= 0:
        return [0.0] * len(spans)
    return [float(value) / total for value in raw]


def top_evidence(entries, weights: Sequence[float], k: int = DEFAULT_EVIDENCE) -> list[Evidence]:
    """The ``k`` entries with the highest weights, heaviest first (ties: earlier first)."""
    order = sorted(range(len(weights)), key=lambda i: (-weights[i], i))[: max(0, k)]
    return [
        Evidence(entries[i].frame_index, entries[i].timestamp, entries[i].until, weights[i])
        for i in order
    ]


class QuestionProbe:
    """``CarrierAttentionProbe`` over a question prefill (its last token is probed), that never
    breaks the forward: a layer it cannot read records no row (``rows`` entry None)."""

    def __init__(self, attention_modules: list[torch.nn.Module], cache) -> None:
        from .carrier_attention import CarrierAttentionProbe

        self._probe = CarrierAttentionProbe(attention_modules, cache)
        self._probe._make_hook = self._safe_hook  # type: ignore[method-assign]
        self.failed = False

    @property
    def rows(self) -> list[torch.Tensor | None]:
        return self._probe.rows

    def _safe_hook(self, index: int):
        probe = self._probe

        def hook(module, args, kwargs, output) -> None:
            try:
                hidden = kwargs["hidden_states"] if "hidden_states" in kwargs else args[0]
                cos, sin = kwargs["position_embeddings"]
                probe.rows[index] = probe._carrier_row(module, hidden, cos, sin)
            except Exception:  # an attention module of another structure: no evidence
                self.failed = True
                probe.rows[index] = None

        return hook

    def __enter__(self) -> QuestionProbe:
        self._probe.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._probe.__exit__(*exc)
