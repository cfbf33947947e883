"""Reference computations for the Qwen-VL adapters (tiny models, float32).

``reference_prompt`` lays a clip out as transformers' own Qwen processors and chat templates do
(input ids, video pixel rows, grid, token types) so that the model class's forward, with its own
``get_rope_index``, gives the answer the streaming engine must reproduce without carriers.
``oracle_logits`` is ONE masked forward of ``[system, frames with carriers, question]`` whose
positions are written here from the documented layout (not read from the adapter), with
DeepStack features built here (each carrier gets its frame's mean) and visibility from
``tests/core/oracle.visible`` (a frame's scaffold text is cut with its visual tokens, its time
text with its carrier).
"""

from __future__ import annotations

import math

import torch

from .oracle import Token, visible


def reference_prompt(vlm, engine, pixels, times: list[float], question: str) -> dict:
    """Keyword arguments for ``model(**kwargs)`` / ``model.generate(**kwargs)``."""
    config = vlm.model.config
    _, gh, gw = pixels.grids[0]
    n = gh * gw // 4
    pad = "<|video_pad|>"
    text = vlm.prompt.system_text(engine.config.system_prompt)
    if vlm.family == "qwen2.5-vl":
        text += pad * (n * len(times))
    else:
        for t in times:
            text += f"<{t:.1f} seconds><|vision_start|>" + pad * n + "<|vision_end|>"
    text += engine.question_prompt(question)
    ids = torch.tensor([vlm.tokenizer(text, add_special_tokens=False)["input_ids"]])
    kwargs = {
        "input_ids": ids,
        "attention_mask": torch.ones_like(ids),
        "pixel_values_videos": pixels.rows,
        "video_grid_thw": torch.tensor([[len(times), gh, gw]]),
        "mm_token_type_ids": (ids == config.video_token_id).int() * 2,
    }
    if vlm.family == "qwen2.5-vl":
        intervals = {round(b - a, 9) for a, b in zip(times, times[1:], strict=False)}
        assert len(intervals) == 1, "the offline reference needs evenly spaced frames"
        kwargs["second_per_grid_ts"] = torch.tensor([intervals.pop()])
    return kwargs


def _chunk(vlm, visual, t: float, carriers: bool):
    """Embeddings ``[q, D]``, token kinds and (scaffold before, after) of one frame."""
    text = vlm.frame_text(t)
    head = vlm.embed(vlm.tokenize(text.before))[0]
    tail = vlm.embed(vlm.tokenize(text.after))[0]
    tokens = visual.tokens[0]
    pieces = [head, tokens, tail] + ([tokens.mean(dim=0, keepdim=True)] if carriers else [])
    return torch.cat(pieces), head.shape[0], tail.shape[0]


def layout_positions(
    vlm,
    system: int,
    frames: list[tuple[int, int, float]],
    grid,
    carriers,
    question: int,
    starts: list[int] | None = None,
) -> torch.Tensor:
    """``[3, L]`` positions from the documented layouts. ``frames``: (scaffold before, after,
    time) per frame; ``grid``: merged (rows, cols); ``starts``: where each frame and then the
    question start (compact: the cache lengths), None for monotonic numbering."""
    rows, cols = grid
    h = torch.arange(rows).repeat_interleave(cols)
    w = torch.arange(cols).repeat(rows)
    columns = [torch.arange(system).expand(3, -1)]
    cur = system
    origin, first = system, frames[0][2]
    for index, (before, after, t) in enumerate(frames):
        if starts is not None:
            if starts[index] != cur:  # Qwen2.5-VL re-anchors a frame placed elsewhere
                origin, first = starts[index], t
            cur = starts[index]
        if vlm.family == "qwen2.5-vl":
            tpos = origin + math.floor(vlm.tokens_per_second * (t - first) + 1e-9)
            columns.append(torch.stack([torch.full_like(h, tpos), h + origin, w + origin]))
            if carriers:
                columns.append(
                    torch.tensor([[tpos], [origin + (rows - 1) // 2], [origin + (cols - 1) // 2]])
                )
        else:
            columns.append(torch.arange(cur, cur + before).expand(3, -1))
            cur += before
            columns.append(torch.stack([torch.full_like(h, cur), h + cur, w + cur]))
            cur += max(rows, cols)
            columns.append(torch.arange(cur, cur + after).expand(3, -1))
            cur += after
            if carriers:
                columns.append(torch.full((3, 1), cur))
        cur = int(torch.cat(columns, dim=1).max()) + 1
    if starts is not None:
        cur = starts[-1]
    columns.append(torch.arange(cur, cur + question).expand(3, -1))
    return torch.cat(columns, dim=1).long()


def oracle_logits(
    vlm, engine, visuals, times, events, question: str, deepstack=True, selected=None
):
    """First-answer logits ``[V]`` of one masked forward over the whole stream. ``selected``:
    frame -> per-layer indices (within the frame's block, scaffold included) that VideoScan+
    kept; the mask then differs per layer."""
    config = engine.config
    carriers = config.carrier
    system_ids = vlm.tokenize(vlm.prompt.system_text(config.system_prompt))
    question_ids = vlm.tokenize(engine.question_prompt(question))
    s, q = system_ids.shape[1], question_ids.shape[1]
    pieces, tokens, frames, ds_rows, ds_mask = [vlm.embed(system_ids)[0]], [], [], [], []
    tokens += [Token("system") for _ in range(s)]
    ds_mask += [False] * s
    for f, (visual, t) in enumerate(zip(visuals, times, strict=True)):
        embeds, before, after = _chunk(vlm, visual, t, carriers)
        n = visual.tokens.shape[1]
        pieces.append(embeds)
        frames.append((before, after, t))
        tokens += [Token("visual", f, j) for j in range(before + n + after)]  # block index
        ds_mask += [False] * before + [True] * n + [False] * after
        if carriers:
            tokens.append(Token("carrier", f))
            ds_mask.append(True)
        if "deepstack" in visual.extras:
            features = visual.extras["deepstack"][0]  # [L_ds, N, D]
            if carriers:
                features = torch.cat([features, features.mean(dim=1, keepdim=True)], dim=1)
            ds_rows.append(features)
    pieces.append(vlm.embed(question_ids)[0])
    tokens += [Token("text") for _ in range(q)]
    ds_mask += [False] * q
    embeds = torch.cat(pieces)[None]
    grid = tuple(int(v) for v in visuals[0].extras["grid"][0])
    starts = None
    if config.position_mode == "compact":
        starts = [s] + [event.cache_entries for event in events]
    positions = layout_positions(vlm, s, frames, grid, carriers, q, starts)[:, None, :]
    rules = {
        "frames": len(visuals),
        "evicted_at": {c.frame_index: e.frame_index for e in events for c in e.evicted},
        "recent": config.recent_frames,
        "selected": selected or {},
        "carriers": carriers,
        "time": {f: vlm.tokenize(vlm.frame_text(t).time).shape[1] for f, t in enumerate(times)},
    }
    length = len(tokens)
    masks = []
    for layer in range(vlm.num_layers if selected else 1):
        allowed = torch.zeros(length, length, dtype=torch.bool)
        for i, qt in enumerate(tokens):
            for j in range(i + 1):
                allowed[i, j] = visible(qt, tokens[j], layer, rules)
        mask = torch.zeros(1, 1, length, length)
        masks.append(mask.masked_fill_(~allowed, torch.finfo(torch.float32).min))
    masks = masks * vlm.num_layers if len(masks) == 1 else masks
    device = embeds.device  # masks and positions go where the model runs, in its dtype
    masks = [mask.to(device, embeds.dtype) for mask in masks]
    positions = positions.to(device)
    extra = {}
    if ds_rows and deepstack:
        extra = {
            "visual_pos_masks": torch.tensor([ds_mask], device=device),
            "deepstack_visual_embeds": list(torch.cat(ds_rows, dim=1).unbind(0)),
        }
    handles = []
    for layer_module, layer_mask in zip(vlm.decoder.layers, masks, strict=True):

        def swap(module, args, kwargs, layer_mask=layer_mask):
            kwargs["attention_mask"] = layer_mask
            return args, kwargs

        handles.append(layer_module.register_forward_pre_hook(swap, with_kwargs=True))
    try:
        with torch.inference_mode():
            hidden = vlm.decoder(
                inputs_embeds=embeds, attention_mask=masks[0], position_ids=positions, **extra
            ).last_hidden_state
            return vlm.lm_head(hidden[:, -1])[0].float(), positions
    finally:
        for handle in handles:
            handle.remove()
