"""Reference computation for the streaming engine: ONE forward over the whole sequence.

The streamed question logits must equal the logits of a single forward of the same model over
``[system, E_1, c_1, ..., E_T, c_T, question]`` where every token sees exactly what the streaming
cache held when it was processed. Visibility is written here token by token from the rules
(brute force), independently of the engine's bookkeeping; only the data-dependent choices (which
carrier each frame evicted, which top-k entries each layer kept) are read from the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Token:
    kind: str  # "system", "visual", "carrier", "text"
    frame: int = -1
    index: int = -1  # index among the frame's visual tokens


def build_tokens(system: int, frames: int, n: int, text: int, carriers: bool) -> list[Token]:
    tokens = [Token("system") for _ in range(system)]
    for f in range(frames):
        tokens += [Token("visual", f, j) for j in range(n)]
        if carriers:
            tokens.append(Token("carrier", f))
    tokens += [Token("text") for _ in range(text)]
    return tokens


def visible(q: Token, k: Token, layer: int, rules: dict) -> bool:
    """May query token ``q`` see key token ``k`` (k earlier in the sequence) in ``layer``."""
    frames = rules["frames"]
    evicted_at = rules["evicted_at"]  # frame -> step that evicted it
    recent = rules["recent"]
    selected = rules["selected"]  # frame -> per-layer indices, or {}
    carriers = rules["carriers"]
    if k.kind == "system":
        return True
    if k.kind == "text":
        return q.kind == "text"
    now = q.frame if q.kind in ("visual", "carrier") else frames
    if q.kind in ("visual", "carrier") and k.frame == q.frame:
        return True
    alive = k.frame not in evicted_at or evicted_at[k.frame] >= now
    if not carriers:  # full-token mode: whole frames live and die together
        return alive
    if k.kind == "carrier":
        return alive
    in_window = recent > 0 and now - k.frame <= recent
    chosen = k.frame in selected and k.index in selected[k.frame][layer]
    return in_window or (chosen and alive)


def oracle_logits(
    vlm, engine, visual_tokens, events, question: str, position_mode: str, selected=None
):
    """Logits [V] of the first answer token from one masked forward of the whole sequence."""
    config = engine.config
    system_ids = vlm.tokenize(vlm.prompt.system_text(config.system_prompt))
    question_ids = vlm.tokenize(engine.question_prompt(question))
    s, q = system_ids.shape[1], question_ids.shape[1]
    frames, n = len(visual_tokens), visual_tokens[0].shape[-2]
    carriers = config.carrier
    pieces = [vlm.embed(system_ids)[0]]
    for visual in visual_tokens:
        visual = visual.reshape(n, -1)
        pieces.append(visual)
        if carriers:
            pieces.append(visual.mean(dim=0, keepdim=True))
    pieces.append(vlm.embed(question_ids)[0])
    embeds = torch.cat(pieces)[None]  # [1, L, D]
    tokens = build_tokens(s, frames, n, q, carriers)

    per_frame = n + int(carriers)
    positions: list[int] = list(range(s))
    for f in range(frames):
        if position_mode == "compact":
            start = s if f == 0 else events[f - 1].cache_entries
        else:
            start = s + f * per_frame
        positions += range(start, start + per_frame)
    end = events[-1].cache_entries if position_mode == "compact" else s + frames * per_frame
    positions += range(end, end + q)

    rules = {
        "frames": frames,
        "evicted_at": {c.frame_index: e.frame_index for e in events for c in e.evicted},
        "recent": config.recent_frames,
        "selected": selected or {},
        "carriers": carriers,
    }
    layers = vlm.num_layers
    length = len(tokens)
    masks = []
    for layer in range(layers):
        allowed = torch.zeros(length, length, dtype=torch.bool)
        for i, qt in enumerate(tokens):
            for j in range(i + 1):
                allowed[i, j] = visible(qt, tokens[j], layer, rules)
        mask = torch.zeros(length, length, dtype=vlm.dtype)
        mask.masked_fill_(~allowed, torch.finfo(vlm.dtype).min)
        masks.append(mask[None, None])
    return masked_forward(vlm, embeds, torch.tensor([positions]), masks)


def masked_forward(vlm, embeds, positions, layer_masks) -> torch.Tensor:
    """One forward with a (possibly different) 4-D mask per decoder layer; last-token logits."""
    handles = []
    for layer_module, mask in zip(vlm.decoder.layers, layer_masks, strict=True):

        def swap(module, args, kwargs, mask=mask):
            kwargs["attention_mask"] = mask
            return args, kwargs

        handles.append(layer_module.register_forward_pre_hook(swap, with_kwargs=True))
    try:
        with torch.inference_mode():
            hidden = vlm.decoder(
                inputs_embeds=embeds, attention_mask=layer_masks[0], position_ids=positions
            ).last_hidden_state
            return vlm.lm_head(hidden[:, -1])[0].float()
    finally:
        for handle in handles:
            handle.remove()
