"""Benchmarks: the synthetic streaming benchmark and loaders for public video-QA formats.

``parse_choice(text, n_options)`` reads a multiple-choice answer (see ``eval/choice.py``)."""

from .choice import parse_choice

__all__ = ["parse_choice"]
