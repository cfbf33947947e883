"""Benchmarks: the synthetic streaming benchmark and loaders for public video-QA formats."""
