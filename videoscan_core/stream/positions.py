"""RoPE positions of the cache's entries, and re-rotating cached keys to new positions.

Contract: ``PositionBook`` records, per decoder layer, the position of every cache slot as
``[R, L]`` (R position rows: 1 for 1-D RoPE, 3 for M-RoPE); the engine appends what each forward
used, keeps the same slots as the cache at a cut (one keep-list for all layers, or one per layer
for VideoScan+ top-k) and truncates it with the cache. ``contiguous_shift(book, keep)`` gives the
per-slot shift ``delta [layers, R, L]`` that closes the gaps a cut left, and ``rerotate(cache,
book, rotation, delta)`` applies it to the cached keys in place, so the cache holds contiguous
positions in stream order (StreamingLLM-style re-rotation). ``sliding_shift(layout, gaps, book)``
is the ``sliding`` alternative: every frame still in the cache keeps the place its full chunk took
(its cut visual entries still reserve their positions) and only the places of frames that left
are closed (what a frame's place is, per row, is its family's ``StreamLayout.gap``), so positions
are those of a full-token stream of the frames in memory: equal to ``monotonic`` until the first
eviction, bounded by S + (M + r + 1) frame places + question. ``Rotation.from_model`` reads the
decoder's RoPE and refuses rope types where moving a key is not a pure rotation.

The math. transformers rotates a head vector x at position p, frequency slot i (the head's
halves concatenated, ``rotate_half``): ``x' = s * (x cos(p w_i) + rotate_half(x) sin(p w_i))``
with ``w = inv_freq`` and s = ``attention_scaling``. Rotations by angles a and b compose to a
rotation by a + b, so a cached key moves from p to p' by one more *unscaled* rotation by
``(p' - p) w_i``; the factor s (YaRN's attention factor) was applied once and stays. M-RoPE drives
slot i by one of the three position rows (t, h, w): ``angle_i = p[row(i)] w_i``. A shift by
``delta`` per row rotates slot i by ``delta[row(i)] w_i``; a *uniform* shift of all three rows by
delta is therefore one rotation by ``delta w_i`` on every frequency, whichever row drives it, which
is what the gap-closing shift below produces (Qwen2.5-VL's one-video layout closes a frame's time
step on the t row alone). Re-rotation is exact up to float rounding; a key moved many times is
re-derived from the key as computed, so a bfloat16 cache rounds it once, not once per move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..errors import VideoScanError

# rope types whose inverse frequencies are fixed (a move is a pure rotation). "dynamic" and
# "longrope" change their frequencies with the sequence length: a cached key's rotation cannot be
# moved by a fixed angle.
PURE_ROTATION_TYPES = frozenset({"default", "linear", "llama3", "yarn", "proportional"})


class PositionLimitError(VideoScanError, ValueError):
    """The next tokens would be placed past the model's ``max_position_embeddings``."""


class UnsupportedRopeError(VideoScanError, ValueError):
    """The model's RoPE cannot be re-rotated (its frequencies depend on the sequence length)."""


@dataclass(frozen=True)
class Rotation:
    """RoPE frequencies for re-rotation: ``inv_freq [F]`` (F = rotary dim / 2) and the position
    row that drives each frequency slot, ``row_of_frequency [F]`` (all 0 for 1-D RoPE)."""

    inv_freq: torch.Tensor  # [F] float32
    row_of_frequency: torch.Tensor  # [F] long

    @classmethod
    def from_model(cls, model) -> Rotation:
        """From an adapter (``rotary()`` if it has one) or its decoder's ``rotary_emb``."""
        rotary_module = model.decoder.rotary_emb
        rope_type = getattr(rotary_module, "rope_type", "default")
        if isinstance(rope_type, dict):  # per-layer-type rope (not used by our families)
            types = set(rope_type.values())
        else:
            types = {rope_type}
        bad = sorted(types - PURE_ROTATION_TYPES)
        if bad:
            raise UnsupportedRopeError(
                f"position mode 'rerotate' cannot move keys under rope type {bad[0]!r} (its "
                "frequencies change with the sequence length); use 'compact' or 'monotonic'"
            )
        if hasattr(model, "rotary"):
            info = model.rotary()
            return cls(info.inv_freq.float(), info.row_of_frequency.long())
        inv_freq = rotary_module.inv_freq.detach().float().clone()
        return cls(inv_freq, torch.zeros(inv_freq.shape[0], dtype=torch.long))

    def angles(self, delta: torch.Tensor) -> torch.Tensor:
        """Angles ``[L, F]`` of the rotation that moves slots by ``delta [R, L]``."""
        rows = self.row_of_frequency.to(delta.device)
        per_slot = delta.index_select(0, rows).T.float()  # [L, F]: delta of the driving row
        return per_slot * self.inv_freq.to(delta.device)


def rotate(x: torch.Tensor, angles: torch.Tensor) -> torch.Tensor:
    """Rotate head vectors ``x [..., L, D]`` by ``angles [L, F]`` (F <= D/2) in transformers'
    ``rotate_half`` layout; dimensions past 2F (partial rotary) are left alone."""
    rotary_dim = 2 * angles.shape[-1]
    emb = torch.cat([angles, angles], dim=-1)  # [L, 2F]
    cos, sin = emb.cos(), emb.sin()
    part = x[..., :rotary_dim].float()
    half = rotary_dim // 2
    rotated_half = torch.cat([-part[..., half:], part[..., :half]], dim=-1)
    moved = (part * cos + rotated_half * sin).to(x.dtype)
    if rotary_dim == x.shape[-1]:
        return moved
    return torch.cat([moved, x[..., rotary_dim:]], dim=-1)


class PositionBook:
    """Per layer, the position ``[R]`` of every cache slot, in a growing buffer."""

    def __init__(self, num_layers: int, rows: int = 1, capacity: int = 256) -> None:
        self.num_layers, self.rows = num_layers, rows
        self.length = 0
        self._buffer = torch.zeros((num_layers, rows, max(1, capacity)), dtype=torch.long)
        self._origin = torch.zeros_like(self._buffer)  # where each slot's key was computed

    @property
    def positions(self) -> torch.Tensor:
        """``[layers, R, L]`` (a view)."""
        return self._buffer[:, :, : self.length]

    @property
    def origin(self) -> torch.Tensor:
        """``[layers, R, L]``: the positions the slots' keys were computed at (a view)."""
        return self._origin[:, :, : self.length]

    def append(self, positions: torch.Tensor) -> None:
        """Record the positions of ``q`` new entries, the same in every layer: ``[R, 1, q]``,
        ``[R, q]`` or ``[1, q]`` (1-D)."""
        grid = positions.detach().reshape(positions.shape[0], -1).to("cpu", torch.long)
        if grid.shape[0] not in (1, self.rows):
            raise ValueError(f"positions have {grid.shape[0]} rows, the book {self.rows}")
        end = self.length + grid.shape[1]
        if end > self._buffer.shape[-1]:
            size = (self.num_layers, self.rows, max(end, 2 * end))
            grown, origin = self._buffer.new_zeros(size), self._buffer.new_zeros(size)
            grown[:, :, : self.length] = self.positions
            origin[:, :, : self.length] = self.origin
            self._buffer, self._origin = grown, origin
        self._buffer[:, :, self.length : end] = grid  # broadcast over layers (and rows)
        self._origin[:, :, self.length : end] = grid
        self.length = end

    def truncate(self, length: int) -> None:
        """Forget everything after ``length`` (never grows)."""
        self.length = min(self.length, max(0, length))

    def keep(self, index: Sequence[int] | Sequence[Sequence[int]]) -> None:
        """Keep the slots ``index`` like ``SlotCache.keep`` (shared or one list per layer)."""
        per_layer = _per_layer(index, self.num_layers)
        chosen = torch.tensor(per_layer, dtype=torch.long)[:, None, :]  # [layers, 1, L']
        chosen = chosen.expand(-1, self.rows, -1)
        for buffer in (self._buffer, self._origin):
            gathered = torch.gather(buffer[:, :, : self.length], 2, chosen)  # [layers, R, L']
            buffer[:, :, : gathered.shape[-1]] = gathered
        self.length = chosen.shape[-1]

    def shift(self, delta: torch.Tensor) -> None:
        """Add ``delta [layers, R, L]`` to the recorded positions."""
        self._buffer[:, :, : self.length] += delta

    def next_free(self) -> int:
        """The first position after every recorded one (0 when empty)."""
        return int(self.positions.max()) + 1 if self.length else 0

    def max_position(self) -> int:
        return int(self.positions.max()) if self.length else -1


def _per_layer(index, num_layers: int) -> list[list[int]]:
    if len(index) and isinstance(index[0], Sequence):
        return [list(per_layer) for per_layer in index]
    return [list(index)] * num_layers


def contiguous_shift(positions: torch.Tensor, index, num_layers: int) -> torch.Tensor:
    """Shift ``[layers, R, L']`` that makes the slots kept by ``index`` contiguous.

    ``positions [layers, R, L']`` are the kept slots' positions (after ``PositionBook.keep``).
    Kept slots that were neighbours before the cut form a run and move together (one uniform
    shift of all rows, so a frame's M-RoPE grid keeps its shape); each run starts right after
    the previous run's last position. For 1-D positions that were contiguous before the cut,
    this makes every slot's position its index."""
    per_layer = torch.tensor(_per_layer(index, num_layers), dtype=torch.long)  # [layers, L']
    layers, _, length = positions.shape
    if length == 0:
        return positions.clone()
    starts = torch.ones_like(per_layer, dtype=torch.bool)
    starts[:, 1:] = per_layer[:, 1:] != per_layer[:, :-1] + 1
    run = starts.long().cumsum(dim=1) - 1  # [layers, L'] run id of each slot
    runs = int(run.max()) + 1
    low = positions.min(dim=1).values  # [layers, L'] smallest row of each slot
    high = positions.max(dim=1).values
    run_low = torch.full((layers, runs), torch.iinfo(torch.long).max, dtype=torch.long)
    run_low = run_low.scatter_reduce(1, run, low, reduce="amin")
    run_high = torch.full((layers, runs), torch.iinfo(torch.long).min, dtype=torch.long)
    run_high = run_high.scatter_reduce(1, run, high, reduce="amax")
    extent = run_high - run_low + 1
    new_low = extent.cumsum(dim=1) - extent  # runs back to back from position 0
    delta = torch.gather(new_low - run_low, 1, run)  # [layers, L']
    return delta[:, None, :].expand(-1, positions.shape[1], -1).clone()


def sliding_shift(
    layout, gaps: dict[int, list[int]], book: PositionBook
) -> tuple[torch.Tensor, list[int]]:
    """Shift ``[layers, R, L]`` that closes the place of every frame that left ``layout`` (after
    the cut), and the per-row shift ``[R]`` closed for frames yet to come. ``gaps`` maps each
    frame still holding a place to what it added per row (``StreamLayout.gap``); frames no longer
    in the layout are closed and forgotten. A kept block moves by minus the gaps of the frames
    before it that left (one shift per block, all layers): 1-D and per-frame layouts close whole
    spans on every row, so M-RoPE grids keep their shape."""
    blocks = {block.frame_index: block for block in layout.blocks}
    closed = torch.zeros(book.rows, dtype=torch.long)
    pieces = [torch.zeros((book.rows, layout.system), dtype=torch.long)]
    for frame in sorted(gaps):
        block = blocks.get(frame)
        if block is None:
            closed += torch.tensor(gaps.pop(frame), dtype=torch.long)
        elif block.size:
            pieces.append((-closed)[:, None].expand(-1, block.size))
    delta = torch.cat(pieces, dim=1)  # [R, L]
    if delta.shape[1] != book.length or set(blocks) - set(gaps):
        raise RuntimeError("positions and cache layout disagree")
    return delta[None].expand(book.num_layers, -1, -1).clone(), closed.tolist()


@torch.inference_mode()
def rerotate(cache, book: PositionBook, rotation: Rotation, delta: torch.Tensor) -> int:
    """Move every cached key by ``delta [layers, R, L]`` (in place) and record it in ``book``.
    Only slots from the first non-zero shift on are touched. A cache that keeps each key as it was
    computed (``SlotCache(original_keys=True)``) re-derives the moved keys from those with one
    rotation by their whole shift (``book.origin`` to the new position): one rounding to the
    cache dtype however often a key moves; otherwise the key turns from where it is (one rounding
    per move). Returns the slots rotated."""
    moved = 0
    originals = getattr(cache, "original_keys", False)
    for layer_index in range(book.num_layers):
        layer_delta = delta[layer_index]  # [R, L]
        nonzero = torch.nonzero(layer_delta.any(dim=0)).flatten()
        if nonzero.numel() == 0:
            continue
        first = int(nonzero[0])
        keys = cache.layer_kv(layer_index)[0]  # [B, H_kv, L, D] view into the buffer
        if originals:
            source = cache.layer_original_keys(layer_index)[:, :, first:]
            shift = book.positions[layer_index, :, first:] - book.origin[layer_index, :, first:]
            shift = shift + layer_delta[:, first:]  # [R, L - first]: from where computed
        else:
            source, shift = keys[:, :, first:], layer_delta[:, first:]
        keys[:, :, first:] = rotate(source, rotation.angles(shift.to(keys.device)))
        moved += keys.shape[2] - first
    book.shift(delta)
    return moved


def check_limit(positions: torch.Tensor, limit: int, mode: str) -> None:
    """Refuse ``positions`` at or past the model's ``limit`` (0: none), before the forward."""
    if limit and int(positions.max()) >= limit:
        raise PositionLimitError(
            f"position {int(positions.max())} would pass the model's limit of {limit} "
            f"positions ({mode} positions grow with the stream); use position mode 'rerotate' "
            "(bounded) or start a new stream"
        )


def settle(
    mode: str, cache, book: PositionBook, rotation, layout, gaps, keep
) -> list[int] | None:
    """After a cut that kept ``keep``: the book keeps the same slots; ``rerotate`` closes every
    gap (returns ``[]``: the stream continues after the last entry), ``sliding`` the places of
    frames that left (returns the per-row shift closed for frames to come, see
    ``sliding_shift``); other modes move nothing (None)."""
    book.keep(keep)
    if mode == "rerotate":
        closed: list[int] = []
        delta = contiguous_shift(book.positions, keep, book.num_layers)
    elif mode == "sliding":
        delta, closed = sliding_shift(layout, gaps, book)
    else:
        return None
    rerotate(cache, book, rotation, delta)
    return closed
