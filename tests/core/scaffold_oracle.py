"""Reference for families with scaffold text around each frame (SmolVLM2): ONE masked forward.

Like ``oracle.py`` but every frame's block is ``[before text | visual tokens | after text]``
(sizes may differ per frame, e.g. "00:09" and "01:05" tokenise differently), followed by the
carrier = mean of the VISUAL tokens only. The scaffold entries belong to the frame's block: they
are visible exactly when the frame's visual entries are (same ``visible`` rule, same index space
as the engine's top-k selection), except the leading entries of the frame's time text
(``frame_text(t).time``), which stay visible as long as its carrier. Only the data-dependent choices
(evictions, top-k) come from the engine; block sizes, positions and visibility are recomputed here
(``rerotate`` goes through ``oracle.pairwise_forward``). Planted bugs for negative controls:
``bug="scaffold-never-cut"`` (scaffold stays visible like the system prompt),
``"carrier-includes-scaffold"`` (carrier = mean over the whole block), ``"other-positions"``,
``"time-cut"`` (the time text is cut with the frame). """

from __future__ import annotations

import torch

from .oracle import Token, masked_forward, pairwise_forward, visible


def scaffold_oracle_logits(
    vlm,
    engine,
    visual_tokens,
    timestamps,
    events,
    question: str,
    position_mode: str,
    selected=None,
    bug: str | None = None,
) -> torch.Tensor:
    """Logits [V] of the first answer token from one masked forward of the whole sequence."""
    config = engine.config
    carriers = config.carrier
    if bug == "other-positions":
        position_mode = "monotonic" if position_mode == "compact" else "compact"
    system_ids = vlm.tokenize(vlm.prompt.system_text(config.system_prompt))
    question_ids = vlm.tokenize(engine.question_prompt(question))
    s, q = system_ids.shape[1], question_ids.shape[1]
    pieces = [vlm.embed(system_ids)[0]]
    tokens = [Token("system") for _ in range(s)]
    scaffold: list[int] = []  # sequence indices of scaffold entries
    positions: list[int] = list(range(s))
    next_free = s
    time_entries: dict[int, int] = {}  # frame -> leading entries stating its time
    for f, (visual, t) in enumerate(zip(visual_tokens, timestamps, strict=True)):
        text = vlm.frame_text(t)
        time_entries[f] = vlm.tokenize(text.time).shape[1]
        head = vlm.embed(vlm.tokenize(text.before))[0]  # [a, D]
        a = head.shape[0]
        tail = vlm.embed(vlm.tokenize(text.after))[0]  # [b, D]
        seen = visual.reshape(-1, visual.shape[-1])  # [N, D]
        block = torch.cat([head, seen, tail])
        pieces.append(block)
        first = len(tokens)
        scaffold += [first + j for j in range(len(block)) if not a <= j < a + seen.shape[0]]
        tokens += [Token("visual", f, j) for j in range(len(block))]
        if carriers:
            source = block if bug == "carrier-includes-scaffold" else seen
            pieces.append(source.mean(dim=0, keepdim=True))
            tokens.append(Token("carrier", f))
        size = len(block) + int(carriers)
        if position_mode == "compact":
            start = s if f == 0 else events[f - 1].cache_entries
        else:
            start = next_free
        positions += range(start, start + size)
        next_free = start + size
    end = events[-1].cache_entries if position_mode == "compact" else next_free
    positions += range(end, end + q)
    pieces.append(vlm.embed(question_ids)[0])
    tokens += [Token("text") for _ in range(q)]
    embeds = torch.cat(pieces)[None]  # [1, L, D]

    rules = {
        "frames": len(visual_tokens),
        "evicted_at": {c.frame_index: e.frame_index for e in events for c in e.evicted},
        "recent": config.recent_frames,
        "selected": selected or {},
        "carriers": carriers,
        "time": {} if bug == "time-cut" else time_entries,
    }
    length = len(tokens)
    masks, allowed_per_layer = [], []
    for layer in range(vlm.num_layers):
        allowed = torch.zeros(length, length, dtype=torch.bool)
        for i, qt in enumerate(tokens):
            for j in range(i + 1):
                allowed[i, j] = visible(qt, tokens[j], layer, rules)
        if bug == "scaffold-never-cut":
            for j in scaffold:
                allowed[j:, j] = True
        allowed_per_layer.append(allowed)
        mask = torch.zeros(length, length, dtype=vlm.dtype)
        mask.masked_fill_(~allowed, torch.finfo(vlm.dtype).min)
        masks.append(mask[None, None])
    if position_mode == "rerotate":  # every query sees its keys at contiguous positions
        return pairwise_forward(vlm, embeds, allowed_per_layer)
    return masked_forward(vlm, embeds, torch.tensor([positions]), masks)
