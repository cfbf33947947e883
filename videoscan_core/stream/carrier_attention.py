"""VideoScan+: which visual entries the carrier attended to most, per layer.

Contract: inside ``with CarrierAttentionProbe(attention_modules, cache) as probe:`` one forward of
``[E_t (N tokens), c_t]`` records, for every layer, the carrier's attention row over the whole
cache, head-averaged. Only that row is computed (the carrier's query, rotated at its position,
against the layer's keys); no attention map is materialised. ``probe.top_visual(start, n, k)``
then gives, per layer, the sorted indices (0..n-1) of the k visual entries of the frame (which
occupy cache slots ``start .. start+n-1``) with the highest weights.

Works for attention modules with Llama/Qwen2 structure: ``q_proj`` (then ``q_norm`` when the
module has one, as Qwen3-VL's), ``head_dim``, ``scaling``, ``num_key_value_groups``,
``layer_idx`` and rotary position embeddings passed as ``position_embeddings=(cos, sin)``
(M-RoPE's arrive already recomposed per token, so they are used the same way).
"""

from __future__ import annotations

import torch


def _rotate_half(x: torch.Tensor) -> torch.Tensor:
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class CarrierAttentionProbe:
    def __init__(self, attention_modules: list[torch.nn.Module], cache) -> None:
        self.modules = attention_modules
        self.cache = cache
        self.rows: list[torch.Tensor | None] = [None] * len(attention_modules)  # each [B, S_kv]
        self._handles: list = []

    def __enter__(self) -> CarrierAttentionProbe:
        for index, module in enumerate(self.modules):
            hook = self._make_hook(index)
            self._handles.append(module.register_forward_hook(hook, with_kwargs=True))
        return self

    def __exit__(self, *exc) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def _make_hook(self, index: int):
        def hook(module, args, kwargs, output) -> None:
            hidden = kwargs["hidden_states"] if "hidden_states" in kwargs else args[0]
            cos, sin = kwargs["position_embeddings"]
            self.rows[index] = self._carrier_row(module, hidden, cos, sin)

        return hook

    def _carrier_row(self, module, hidden, cos, sin) -> torch.Tensor:
        batch = hidden.shape[0]
        carrier = hidden[:, -1:]  # [B, 1, D]: the carrier is the last token of the step
        query = module.q_proj(carrier).view(batch, 1, -1, module.head_dim)  # [B, 1, H_q, hd]
        q_norm = getattr(module, "q_norm", None)  # Qwen3-style per-head norm before RoPE
        if q_norm is not None:
            query = q_norm(query)
        query = query.transpose(1, 2)  # [B, H_q, 1, hd]
        cos_c, sin_c = cos[:, -1:].unsqueeze(1), sin[:, -1:].unsqueeze(1)  # [B, 1, 1, hd]
        query = query * cos_c + _rotate_half(query) * sin_c  # [B, H_q, 1, hd]
        keys, _ = self.cache.layer_kv(module.layer_idx)  # [B, H_kv, S_kv, hd], incl. this step
        groups = module.num_key_value_groups
        query = query.view(batch, keys.shape[1], groups, module.head_dim)  # [B, H_kv, G, hd]
        scores = torch.einsum("bkgd,bksd->bkgs", query.float(), keys.float()) * module.scaling
        weights = torch.softmax(scores, dim=-1)  # [B, H_kv, G, S_kv]: the carrier sees all
        return weights.mean(dim=(1, 2))  # [B, S_kv], averaged over all query heads

    def top_visual(self, start: int, count: int, k: int) -> list[list[int]]:
        """Per layer, sorted indices within the frame's visual block (batch element 0)."""
        k = min(k, count)
        selected: list[list[int]] = []
        for row in self.rows:
            if row is None:
                raise RuntimeError("the probe saw no forward pass")
            top = torch.topk(row[0, start : start + count], k).indices
            selected.append(sorted(int(i) for i in top))
        return selected
