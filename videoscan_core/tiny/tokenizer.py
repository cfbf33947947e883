"""Build a small byte-level BPE tokenizer offline, in the Qwen2 format.

Contract: ``build_qwen2_tokenizer(lines, vocab_size)`` trains a byte-level BPE on ``lines`` with
Qwen2's pre-tokenisation and returns a ``Qwen2Tokenizer`` carrying the ChatML special tokens
(``<|endoftext|>``, ``<|im_start|>``, ``<|im_end|>``, ``<image>``, ``<video>``). Any text can be
encoded (bytes are the fallback), so it works for prompts it never saw. No download.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<image>", "<video>")

BASE_CORPUS = (
    "You are a helpful assistant.",
    "The video lasts for 12.00 seconds, and 3 frames are uniformly sampled from it.",
    "These frames are located at 0.00s,1.00s,2.00s.Please answer the following questions "
    "related to this video.",
    "What is on the screen? What happened a minute ago? Which came first? How many times?",
    "What color is the square? The circle is red, the square is blue, the triangle is green.",
    "yellow purple orange white black gray cyan magenta brown pink",
    "left right top bottom center moving appeared disappeared changed color",
    "zero one two three four five six seven eight nine ten 0 1 2 3 4 5 6 7 8 9",
    "A B C D (A) (B) (C) (D) Answer with the option's letter from the given choices directly.",
    "yes no the a an of in on at is are was were it this that what when where who how",
    "window browser terminal editor document email video music code file folder button",
)


def build_qwen2_tokenizer(lines: Iterable[str] = BASE_CORPUS, vocab_size: int = 512):
    """A trained ``Qwen2Tokenizer`` (transformers) with the ChatML special tokens."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Qwen2Tokenizer
    from transformers.models.qwen2.tokenization_qwen2 import PRETOKENIZE_REGEX

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(list(lines), trainer=trainer)
    model = json.loads(bpe.to_str())["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    tokenizer = Qwen2Tokenizer(
        vocab=model["vocab"],
        merges=merges,
        unk_token="<|endoftext|>",
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
    )
    tokenizer.add_special_tokens({"additional_special_tokens": list(SPECIAL_TOKENS[1:])})
    return tokenizer
