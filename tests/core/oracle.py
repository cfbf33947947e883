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
    in_window = recent > 0 and now - k.frame <= recent
    if k.kind == "carrier":
        return alive
    if k.index < rules.get("time", {}).get(k.frame, 0):  # time text stays with the carrier
        return alive or in_window
    chosen = k.frame in selected and k.index in selected[k.frame][layer]
    return in_window or (chosen and alive)


def occupies(q: Token, k: Token, rules: dict) -> bool:
    """``sliding``: does key token ``k`` hold a position for query ``q`` (its frame is still in
    memory at q's time, whether or not k itself was cut)."""
    if k.kind == "system":
        return True
    if k.kind == "text":
        return q.kind == "text"
    now = q.frame if q.kind in ("visual", "carrier") else rules["frames"]
    if q.kind in ("visual", "carrier") and k.frame == q.frame:
        return True
    alive = k.frame not in rules["evicted_at"] or rules["evicted_at"][k.frame] >= now
    in_window = rules["carriers"] and rules["recent"] > 0 and now - k.frame <= rules["recent"]
    return alive or in_window  # an evicted frame's block stays while its tokens are recent


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
    masks, allowed_per_layer = [], []
    for layer in range(layers):
        allowed = torch.zeros(length, length, dtype=torch.bool)
        for i, qt in enumerate(tokens):
            for j in range(i + 1):
                allowed[i, j] = visible(qt, tokens[j], layer, rules)
        allowed_per_layer.append(allowed)
        mask = torch.zeros(length, length, dtype=vlm.dtype)
        mask.masked_fill_(~allowed, torch.finfo(vlm.dtype).min)
        masks.append(mask[None, None])
    if position_mode == "rerotate":
        return pairwise_forward(vlm, embeds, allowed_per_layer)
    if position_mode == "sliding":
        occupied = torch.zeros(length, length, dtype=torch.bool)
        for i, qt in enumerate(tokens):
            for j in range(i + 1):
                occupied[i, j] = occupies(qt, tokens[j], rules)
        return pairwise_forward(vlm, embeds, allowed_per_layer, occupied)
    return masked_forward(vlm, embeds, torch.tensor([positions]), masks)


def masked_forward(vlm, embeds, positions, layer_masks) -> torch.Tensor:
    """One forward with a (possibly different) 4-D mask per decoder layer; last-token logits.
    Masks and positions go to the embeddings' device (and the masks to their dtype)."""
    positions = positions.to(embeds.device)
    layer_masks = [mask.to(embeds.device, embeds.dtype) for mask in layer_masks]
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


# -- rerotate: every query sees its visible keys at contiguous positions ------------------------
# With re-rotation, the cache a token reads always holds contiguous positions 0..n-1 in stream
# order, and the token itself comes next. So query i sits at position (number of keys it sees
# before itself) and sees key j at position (rank of j among the keys it sees). A key's position
# therefore depends on the query (a carrier moves when an older one is evicted): the reference is
# one forward whose attention rotates every (query, key) pair at its own positions.
# With ``sliding`` the ranks are counted over the tokens that hold a position instead (``occupies``:
# every token of a frame still in memory, cut or not), and keys are read where visible.


def rope_inv_freq(vlm) -> torch.Tensor:
    text = vlm.text_config
    head_dim = vlm.head_dim
    theta = text.rope_parameters["rope_theta"]
    return 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))


def rope_rotate(x: torch.Tensor, positions: torch.Tensor, inv_freq: torch.Tensor) -> torch.Tensor:
    """Rotate ``x [..., D]`` to ``positions [...]`` (broadcast), transformers' rotate_half."""
    angles = positions.double()[..., None] * inv_freq  # [..., D/2]
    cos, sin = angles.cos(), angles.sin()
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half].double(), x[..., half:].double()
    out = torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)
    return out.to(x.dtype)


def pairwise_forward(vlm, embeds, allowed_per_layer, occupied=None) -> torch.Tensor:
    """One forward where each layer's attention is computed here, pair by pair. Positions are
    ranks among the visible keys of each query row, or among ``occupied [L, L]`` when given."""
    device = embeds.device
    inv_freq = rope_inv_freq(vlm).to(device)
    patched = []
    for layer_module, allowed in zip(vlm.decoder.layers, allowed_per_layer, strict=True):
        allowed = allowed.to(device)
        holders = allowed if occupied is None else occupied.to(device)
        counts = holders.long().cumsum(dim=1)  # position holders up to j, per query row
        query_pos = counts.diagonal() - 1  # [L] rank of the query in its own row
        key_pos = counts - 1  # [L, L] rank of key j in row i (used where allowed)
        attention = layer_module.self_attn

        def forward(hidden_states, *args, attention=attention, allowed=allowed,
                    query_pos=query_pos, key_pos=key_pos, **kwargs):
            return _pairwise_attention(
                attention, hidden_states, allowed, query_pos, key_pos, inv_freq
            ), None

        attention.forward = forward
        patched.append(attention)
    length = embeds.shape[1]
    try:
        with torch.inference_mode():
            hidden = vlm.decoder(
                inputs_embeds=embeds,
                attention_mask=torch.zeros(1, 1, length, length, dtype=embeds.dtype,
                                           device=device),
                position_ids=torch.arange(length, device=device)[None],
            ).last_hidden_state
            return vlm.lm_head(hidden[:, -1])[0].float()
    finally:
        for attention in patched:
            del attention.forward


def _pairwise_attention(attention, hidden, allowed, query_pos, key_pos, inv_freq):
    """Qwen2 attention written out: [1, L, D] -> [1, L, D]."""
    _, length, _ = hidden.shape
    head_dim = attention.head_dim
    q = attention.q_proj(hidden).view(length, -1, head_dim).transpose(0, 1)  # [H, L, hd]
    k = attention.k_proj(hidden).view(length, -1, head_dim).transpose(0, 1)  # [Hkv, L, hd]
    v = attention.v_proj(hidden).view(length, -1, head_dim).transpose(0, 1)
    groups = q.shape[0] // k.shape[0]
    k, v = k.repeat_interleave(groups, dim=0), v.repeat_interleave(groups, dim=0)
    q = rope_rotate(q, query_pos, inv_freq)  # [H, L, hd]
    keys = rope_rotate(k[:, None, :, :], key_pos, inv_freq)  # [H, L(query), L(key), hd]
    scores = (q[:, :, None, :] * keys).sum(-1).float() * attention.scaling  # [H, L, L]
    scores = scores.masked_fill(~allowed, float("-inf"))
    weights = scores.softmax(dim=-1).to(v.dtype)
    out = (weights @ v).transpose(0, 1).reshape(1, length, -1)  # [1, L, H*hd]
    return attention.o_proj(out)
