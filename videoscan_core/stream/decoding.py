"""Choosing the next token and turning token ids into streamed text.

Contract: ``TokenChooser(options)(logits [V]) -> int`` is greedy at temperature 0, otherwise
samples (with nucleus ``top_p``) from a generator seeded by ``options.seed``.
``IncrementalText(decode)`` takes one id at a time and returns only the new, complete text
(a piece that ends inside a multi-byte character is held back until it completes).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from ..config import GenerationOptions


class TokenChooser:
    def __init__(self, options: GenerationOptions, device: torch.device) -> None:
        self.options = options
        self.generator: torch.Generator | None = None
        if options.temperature > 0:
            self.generator = torch.Generator(device=device)
            if options.seed is not None:
                self.generator.manual_seed(options.seed)
            else:
                self.generator.seed()

    def __call__(self, logits: torch.Tensor) -> int:
        # logits: [V]
        if self.generator is None:
            return int(torch.argmax(logits))
        probs = torch.softmax(logits.float() / self.options.temperature, dim=-1)
        if self.options.top_p < 1.0:
            sorted_probs, order = torch.sort(probs, descending=True)
            outside = torch.cumsum(sorted_probs, dim=-1) - sorted_probs > self.options.top_p
            sorted_probs[outside] = 0.0
            probs = torch.zeros_like(probs).scatter_(0, order, sorted_probs)
        return int(torch.multinomial(probs, 1, generator=self.generator))


class IncrementalText:
    def __init__(self, decode: Callable[[list[int]], str]) -> None:
        self.decode = decode
        self.ids: list[int] = []
        self.emitted = ""

    def push(self, token_id: int) -> str:
        self.ids.append(token_id)
        text = self.decode(self.ids)
        if text.endswith("\ufffd"):
            return ""  # an incomplete UTF-8 sequence: wait for the next token
        piece = text[len(self.emitted) :] if text.startswith(self.emitted) else ""
        self.emitted = text
        return piece

    @property
    def text(self) -> str:
        return self.decode(self.ids)
