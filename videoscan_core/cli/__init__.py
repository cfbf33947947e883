"""The ``videoscan`` command line (headless; no Qt)."""
