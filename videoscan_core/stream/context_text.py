"""What the language model reads when a question is asked, written out as text.

Contract: ``context_text(engine, question)`` renders the engine's cache as the language model
sees it at question time, from the engine's own bookkeeping (``CacheLayout``): the system text,
then per frame block what it still holds - all of its frame (scaffold text, ``<image xN>`` for its
N visual entries), or the frame's kept time text, ``<image xk>`` for its top-k entries and
``<carrier>`` - then ``engine.question_prompt(question)``. For tools and tests (what does the
model know about remembered frames, e.g. their times); nothing here touches the model.
"""

from __future__ import annotations

from .cache_layout import FrameBlock


def block_text(model, block: FrameBlock) -> str:
    """One block as text (its visual entries as ``<image xN>``)."""
    scaffold = model.frame_text(block.timestamp)
    if block.visual == "full" and block.visual_count:
        visual = block.visual_count - len(model.tokenize(scaffold.before)[0])
        visual -= len(model.tokenize(scaffold.after)[0])
        text = f"{scaffold.before}<image x{visual}>{scaffold.after}"
    else:
        text = scaffold.time if block.time_size else ""
        if block.visual_size:
            text += f"<image x{block.visual_size}>"
    return text + ("<carrier>" if block.carrier else "")


def context_text(engine, question: str) -> str:
    """The system text, every frame block still in the cache, and the question prompt."""
    model = engine.model
    parts = [model.prompt.system_text(engine.config.system_prompt)]
    parts += [block_text(model, block) for block in engine.layout.blocks]
    return "".join(parts) + engine.question_prompt(question)
