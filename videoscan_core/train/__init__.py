"""Two-stage carrier training (docs/design.md section 1), on transformers' Trainer.

Stage 0: ordinary training on full visual tokens. Stage 1: each frame is its carrier only.
Stage 2: full frame tokens + carriers with the semantic-aware mask and the positions streaming
inference uses. Loss on answer tokens only.
"""
