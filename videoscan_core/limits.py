"""Input limits checked before work starts: numbers against the model and the machine.

One home for the cost caps of every entry point (the CLI, the app, the API, MCP), so a request
costs the same wherever it comes from:
- ``MAX_QUESTION_CHARS`` characters per question (``check_text``; the engine's ``ask`` checks it
  too, so no path skips it); ``MAX_MEMORY`` carriers (``check_memory``); answers of at most
  ``MAX_NEW_TOKENS`` tokens;
- ``VIDEO_FRAME_TOKENS`` visual tokens per Qwen-VL frame by default (the video budget; the
  ``--frame-tokens`` of run, serve, watch and mcp), at most ``MAX_FRAME_TOKENS`` if asked;
- ``MAX_FRAME_PIXELS`` per frame: larger frames are shrunk (``video.shrink_frame``, on the
  decoder's BGR before the RGB copy); ``MAX_IMAGE_PIXELS``: larger images and videos are
  refused from their header, before they are decoded (``check_pixels``);
- per API/MCP request: ``MAX_REQUEST_FRAMES`` frames and ``MAX_REQUEST_SECONDS`` of the engine
  worker's time to stream its video (then it answers from what it streamed, with a warning);
- alerts: ``MAX_CONDITIONS`` conditions of at most ``MAX_CONDITION_CHARS`` characters each.

Contract (each raises ``VideoScanError`` with one line for people, or returns None):

- ``check_numbers(memory, fps, keep_topk, recent_frames, vision_batch, device, quantize, dtype,
  frame_tokens)``: before a model loads: ``fps`` finite and > 0, sizes >= their minimum,
  ``vision_batch`` at most ``MAX_VISION_BATCH`` (every frame of a batch is decoded and held at
  once), ``device`` one of auto, cpu, cuda, cuda:N, mps (not a raw torch message), int8
  quantisation only in float32, ``frame_tokens`` 0 (the checkpoint's image budget) to
  ``MAX_FRAME_TOKENS``.
- ``check_against_model(model, config, free_bytes)``: once the model is loaded (before any
  frame): ``keep_topk`` at most the model's visual tokens per frame; the KV cache that
  ``memory_size``/``keep_topk``/``recent_frames`` need (with the keys as computed where the
  engine keeps them: ``kv_bytes_per_entry(position_mode)``) fits in the free memory and in the
  model's positions (instead of a raw allocator error, or a position error an hour into a stream).
- ``fit_positions(model, config)``: the positions the mode reaches (``position_need``) within the
  model's; otherwise a mode or memory that fits and one line saying so (the engine applies it at
  every stream start, so the CLI, the app and the server all do).
- ``check_question(model, question, config, max_new_tokens)``: the question fits in the model's
  context next to the memory and the answer (a 100,000-character question is refused at once
  instead of taking minutes and gigabytes).

``model`` is a family adapter (``tokens_per_frame``, ``kv_bytes_per_entry(position_mode)``,
``max_position_embeddings``, ``tokenize``, ``frame_place()``, ``time_entries()``);
``cache_entries(config, tokens_per_frame, time_entries)`` is the cache size the engine reserves
for a stream.
"""

from __future__ import annotations

import math
import re

from .config import EngineConfig
from .errors import VideoScanError
from .screen_text.prompt import MAX_CONTEXT_TOKENS

MAX_VISION_BATCH = 64
MAX_QUESTION_CHARS = 16_000
MAX_MEMORY = 4096  # the app's Settings range
MAX_NEW_TOKENS = 4096  # longest answer (the API caps max_tokens to it)
MAX_FRAME_PIXELS = 4096 * 4096
# the video references' per-frame cap (qwen-vl-utils VIDEO_MAX_TOKEN_NUM; transformers' Qwen2-VL
# video class default 28 * 28 * 768 pixels and Qwen3-VL's max_video_tokens)
VIDEO_FRAME_TOKENS = 768
MAX_FRAME_TOKENS = 16_384
MAX_IMAGE_PIXELS = 8192 * 8192
MAX_REQUEST_FRAMES = 512
MAX_REQUEST_SECONDS = 120.0
MAX_CONDITIONS = 16
MAX_CONDITION_CHARS = 200
# what the engine reserves around the memory: system prompt, scaffolding, the question's room,
# the screen text shown with it
FIXED_ENTRIES = 64 + 256 + MAX_CONTEXT_TOKENS
_DEVICE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")
GB = 1024**3


def check_numbers(
    memory: int,
    fps: float,
    keep_topk: int = 0,
    recent_frames: int = 0,
    vision_batch: int = 1,
    device: str | None = None,
    quantize: str = "none",
    dtype: str | None = None,
    frame_tokens: int = VIDEO_FRAME_TOKENS,
) -> None:
    if not (math.isfinite(fps) and fps > 0):
        raise VideoScanError(f"--fps must be greater than 0 and finite (got {fps:g})")
    check_memory(memory, "--memory")
    if keep_topk < 0 or recent_frames < 0:
        raise VideoScanError("--keep-topk and --recent-frames must be >= 0")
    if not 1 <= vision_batch <= MAX_VISION_BATCH:
        raise VideoScanError(
            f"--vision-batch must be at least 1 and at most {MAX_VISION_BATCH} (got {vision_batch})"
        )
    if device is not None and not _DEVICE.fullmatch(device):
        raise VideoScanError(f"--device must be cpu, cuda, cuda:N or mps (got {device!r})")
    if quantize == "int8" and dtype not in (None, "float32"):
        raise VideoScanError(f"--quantize int8 runs in float32; drop --dtype {dtype}")
    if not 0 <= frame_tokens <= MAX_FRAME_TOKENS:
        raise VideoScanError(f"--frame-tokens must be 0 to {MAX_FRAME_TOKENS} (got {frame_tokens})")


def check_memory(memory, name: str = "memory") -> None:
    if isinstance(memory, bool) or not isinstance(memory, int) or not 1 <= memory <= MAX_MEMORY:
        raise VideoScanError(f"{name} must be at least 1 and at most {MAX_MEMORY} (got {memory})")


def check_text(text: str, what: str = "the question", limit: int = MAX_QUESTION_CHARS) -> None:
    if len(text) > limit:
        raise VideoScanError(f"{what} is too long ({len(text):,} characters); at most {limit:,}")


def check_pixels(width: int, height: int, what: str = "the image") -> None:
    if width * height > MAX_IMAGE_PIXELS:
        side = int(MAX_IMAGE_PIXELS**0.5)
        size = f"{width}x{height} pixels" if width < 2**31 - 1 else "larger"
        raise VideoScanError(f"{what} is {size}; at most {side}x{side} pixels can be read")


def cache_entries(config: EngineConfig, tokens_per_frame: int, time_entries: int = 0) -> int:
    """Cache entries a full stream holds: memory (each carrier with its top-k entries and its
    time text), the recent window."""
    memory = config.memory_size or 64
    per_frame = 1 + config.keep_topk + time_entries if config.carrier else tokens_per_frame
    recent = (config.recent_frames + 1) * (tokens_per_frame + 1)
    return FIXED_ENTRIES + memory * per_frame + recent


def position_need(model, config: EngineConfig) -> int | None:
    """The largest position a stream under ``config`` reaches on ``model``: ``compact`` and
    ``rerotate`` stay within the cache's entries; ``sliding`` keeps a whole frame's place for
    each of the M + r + 1 frames it holds; ``monotonic`` grows with the stream (None)."""
    if config.position_mode == "monotonic":
        return None
    if config.position_mode == "sliding":
        frames = (config.memory_size or 64) + config.recent_frames + 1
        return FIXED_ENTRIES + frames * int(model.frame_place())
    return cache_entries(config, int(model.tokens_per_frame), _time_entries(model))


def fit_positions(model, config: EngineConfig) -> tuple[EngineConfig, str | None]:
    """``config`` unchanged (and None) when its positions stay within the model's; otherwise a
    config that fits - ``sliding`` becomes ``rerotate``, and a memory no bounded mode fits
    shrinks to the largest that does - and one line saying so. Raises when nothing fits."""
    limit = int(getattr(model, "max_position_embeddings", 0) or 0)
    need = position_need(model, config) if limit else None
    if need is None or need <= limit:
        return config, None
    said = (
        f"{config.position_mode} positions for memory {config.memory_size} and "
        f"{config.recent_frames} recent frames reach {need:,}, past this model's {limit:,}"
    )
    fitted = config.replace(position_mode="rerotate")
    if (position_need(model, fitted) or 0) <= limit:  # rerotate is bounded: never None
        return fitted, f"{said}: using rerotate positions (bounded by the cache) instead"
    tokens, time = int(model.tokens_per_frame), _time_entries(model)
    per_frame = 1 + config.keep_topk + time if config.carrier else tokens
    room = limit - FIXED_ENTRIES - (config.recent_frames + 1) * (tokens + 1)
    memory = room // per_frame
    if memory < 1:
        raise VideoScanError(
            f"{said}, and no memory fits with {config.recent_frames} recent frames; use fewer"
        )
    mode = "rerotate" if config.position_mode == "sliding" else config.position_mode
    fitted = config.replace(position_mode=mode, memory_size=memory)
    return fitted, f"{said}: {mode} positions and memory {memory} instead"


def check_against_model(model, config: EngineConfig, free_bytes: int | None = None) -> None:
    tokens = int(model.tokens_per_frame)
    if config.keep_topk > tokens:
        raise VideoScanError(
            f"--keep-topk {config.keep_topk} is more than the {tokens} visual tokens a frame "
            "of this model has; use at most that"
        )
    entries = cache_entries(config, tokens, _time_entries(model))
    limit = int(getattr(model, "max_position_embeddings", 0) or 0)
    if limit and entries > limit:
        raise VideoScanError(
            f"--memory {config.memory_size} (with --keep-topk {config.keep_topk} and "
            f"--recent-frames {config.recent_frames}) needs {entries:,} cache entries, more than "
            f"the model's {limit:,} positions; use smaller values"
        )
    needed = entries * int(model.kv_bytes_per_entry(config.position_mode))
    if free_bytes is None:
        free_bytes = _free_bytes(getattr(model, "device", None))
    if free_bytes and needed > 0.9 * free_bytes:
        raise VideoScanError(
            f"--memory {config.memory_size} (with --keep-topk {config.keep_topk} and "
            f"--recent-frames {config.recent_frames}) needs about {needed / GB:.1f} GB for its "
            f"cache, {free_bytes / GB:.1f} GB is free; use smaller values"
        )


def check_question(model, question: str, config: EngineConfig, max_new_tokens: int) -> None:
    limit = int(getattr(model, "max_position_embeddings", 0) or 0)
    if not limit:
        return
    entries = cache_entries(config, int(model.tokens_per_frame), _time_entries(model))
    room = limit - entries - max_new_tokens
    if room <= 0:
        raise VideoScanError(
            f"an answer of {max_new_tokens:,} tokens does not fit in the model's {limit:,} "
            "positions next to the memory; ask for fewer tokens (--max-new-tokens, max_tokens)"
        )
    if len(question) > 8 * limit:  # surely too long: not even worth tokenizing
        length = f"{len(question):,} characters"
    else:
        count = int(model.tokenize(question).shape[1])
        if count <= room:
            return
        length = f"{count:,} tokens"
    raise VideoScanError(
        f"the question is too long ({length}); with this memory the model has room for "
        f"{max(room, 0):,} tokens: shorten it"
    )


def _time_entries(model) -> int:
    """Entries of a frame's time text kept with each carrier (0 for families without one)."""
    count = getattr(model, "time_entries", None)
    return int(count()) if callable(count) else 0


def _free_bytes(device=None) -> int:
    """Free memory where the cache lives (the GPU's, or the machine's RAM); 0 when unknown."""
    try:
        if device is not None and getattr(device, "type", "") == "cuda":
            import torch

            return int(torch.cuda.mem_get_info(device)[0])
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # no figure: no check
        return 0
