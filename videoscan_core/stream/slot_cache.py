"""A KV cache with preallocated storage and in-place surgery, usable by transformers models.

Contract: ``SlotCache`` is a transformers ``Cache`` whose layers keep keys/values in a growing
buffer ``[B, H_kv, capacity, D]`` and a used length. A forward appends after the used length (no
``torch.cat`` of the whole cache per call). The engine then calls ``keep(indices)`` to compact the
used part in place (only the entries from the first changed slot on are moved), or
``truncate(length)`` to forget everything after a point: that is how a question is answered on
the stream's cache and then rolled back without copying it. Reading: ``length``, ``nbytes()``,
``layer_kv(i)``. ``SlotCache(original_keys=True)`` also keeps every key as the forward computed it
(kept and truncated with the cache, never re-rotated: ``layer_original_keys(i)``), so keys moved
to new positions many times can be re-derived with one rounding (``positions.rerotate``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers.cache_utils import Cache, DynamicLayer


class SlotLayer(DynamicLayer):
    """One layer's keys and values in a preallocated buffer; ``length`` entries are in use."""

    def __init__(self, initial_capacity: int = 256, original_keys: bool = False) -> None:
        super().__init__()
        self.length = 0
        self.initial_capacity = max(1, initial_capacity)
        self.original_keys = original_keys
        self._key_buffer: torch.Tensor | None = None  # [B, H_kv, capacity, D]
        self._value_buffer: torch.Tensor | None = None
        self._original_buffer: torch.Tensor | None = None  # keys as computed (original_keys)

    @property
    def capacity(self) -> int:
        return 0 if self._key_buffer is None else self._key_buffer.shape[-2]

    def lazy_initialization(self, key_states: torch.Tensor, value_states: torch.Tensor) -> None:
        self.dtype, self.device = key_states.dtype, key_states.device
        self._allocate(max(self.initial_capacity, key_states.shape[-2]), key_states, value_states)
        self.is_initialized = True

    def _allocate(self, capacity: int, like_k: torch.Tensor, like_v: torch.Tensor) -> None:
        batch, heads, _, k_dim = like_k.shape
        new_k = like_k.new_empty((batch, heads, capacity, k_dim))
        new_v = like_v.new_empty((batch, heads, capacity, like_v.shape[-1]))
        if self._key_buffer is not None and self.length:
            new_k[:, :, : self.length] = self._key_buffer[:, :, : self.length]
            new_v[:, :, : self.length] = self._value_buffer[:, :, : self.length]
        if self.original_keys:
            new_o = torch.empty_like(new_k)
            if self._original_buffer is not None and self.length:
                new_o[:, :, : self.length] = self._original_buffer[:, :, : self.length]
            self._original_buffer = new_o
        self._key_buffer, self._value_buffer = new_k, new_v
        self._refresh_views()

    def _refresh_views(self) -> None:
        self.keys = self._key_buffer[:, :, : self.length]  # [B, H_kv, length, D]
        self.values = self._value_buffer[:, :, : self.length]

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args, **kwargs
    ) -> tuple[torch.Tensor, torch.Tensor]:
        # key_states: [B, H_kv, q, D]
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        end = self.length + key_states.shape[-2]
        if end > self.capacity:
            self._allocate(max(end, 2 * self.capacity), key_states, value_states)
        self._key_buffer[:, :, self.length : end] = key_states
        self._value_buffer[:, :, self.length : end] = value_states
        if self._original_buffer is not None:
            self._original_buffer[:, :, self.length : end] = key_states
        self.length = end
        self._refresh_views()
        return self.keys, self.values

    def get_seq_length(self) -> int:
        return self.length

    def get_mask_sizes(self, query_length: int) -> tuple[int, int]:
        return self.length + query_length, 0

    def truncate(self, length: int) -> None:
        if not 0 <= length <= self.length:
            raise ValueError(f"cannot truncate a cache of {self.length} entries to {length}")
        self.length = length
        if self._key_buffer is not None:
            self._refresh_views()

    def crop(self, tokens_to_remove: int) -> None:
        if tokens_to_remove > 0:
            raise ValueError("crop takes a negative number of entries to remove from the end")
        self.truncate(self.length + tokens_to_remove)

    def keep(self, index: Sequence[int]) -> None:
        """Keep the used entries ``index`` (strictly increasing), in that order, in place."""
        first_change = 0
        for slot in index:
            if slot != first_change:
                break
            first_change += 1
        new_length = len(index)
        if first_change < new_length:
            source = torch.tensor(index[first_change:], dtype=torch.long, device=self.device)
            # index_select materialises the source entries before the write: no aliasing.
            self._key_buffer[:, :, first_change:new_length] = self._key_buffer.index_select(
                2, source
            )
            self._value_buffer[:, :, first_change:new_length] = self._value_buffer.index_select(
                2, source
            )
            if self._original_buffer is not None:
                moved = self._original_buffer.index_select(2, source)
                self._original_buffer[:, :, first_change:new_length] = moved
        self.length = new_length
        self._refresh_views()

    def reset(self) -> None:
        self.length = 0
        self._key_buffer = self._value_buffer = self._original_buffer = None
        self.keys = self.values = None
        self.is_initialized = False

    def reorder_cache(self, beam_idx: torch.LongTensor) -> None:
        raise NotImplementedError("SlotCache does not support beam search")


class SlotCache(Cache):
    """One ``SlotLayer`` per decoder layer."""

    def __init__(
        self, num_layers: int, initial_capacity: int = 256, original_keys: bool = False
    ) -> None:
        layers = [SlotLayer(initial_capacity, original_keys) for _ in range(num_layers)]
        super().__init__(layers=layers)
        self.original_keys = original_keys

    @property
    def length(self) -> int:
        return self.layers[0].length

    def truncate(self, length: int) -> None:
        for layer in self.layers:
            layer.truncate(length)

    def keep(self, index: Sequence[int] | Sequence[Sequence[int]]) -> None:
        """Keep the entries ``index``: one list for all layers, or one list per layer."""
        if len(index) and isinstance(index[0], Sequence):
            if len(index) != len(self.layers):
                raise ValueError("per-layer keep needs one index list per layer")
            lengths = {len(per_layer) for per_layer in index}
            if len(lengths) != 1:
                raise ValueError("every layer must keep the same number of entries")
            for layer, per_layer in zip(self.layers, index, strict=True):
                layer.keep(per_layer)
        else:
            for layer in self.layers:
                layer.keep(index)

    def layer_kv(self, layer_idx: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The used keys and values of one layer: ``[B, H_kv, length, D]`` views."""
        layer = self.layers[layer_idx]
        return layer.keys, layer.values

    def layer_original_keys(self, layer_idx: int) -> torch.Tensor:
        """One layer's used keys as computed, ``[B, H_kv, length, D]`` (``original_keys``)."""
        layer = self.layers[layer_idx]
        if layer._original_buffer is None:
            raise RuntimeError("this cache keeps no original keys")
        return layer._original_buffer[:, :, : layer.length]

    def nbytes(self) -> int:
        """Bytes of the used entries over all layers (keys, values, original keys)."""
        total = 0
        for layer in self.layers:
            if layer.is_initialized:
                keys = 2 if layer.original_keys else 1  # moved and as computed
                total += keys * layer.keys.numel() * layer.keys.element_size()
                total += layer.values.numel() * layer.values.element_size()
        return total

    def allocated_bytes(self) -> int:
        """Bytes held by the buffers, used or not."""
        total = 0
        for layer in self.layers:
            if layer._key_buffer is not None:
                total += layer._key_buffer.numel() * layer._key_buffer.element_size()
                total += layer._value_buffer.numel() * layer._value_buffer.element_size()
            if layer._original_buffer is not None:
                total += layer._original_buffer.numel() * layer._original_buffer.element_size()
        return total
