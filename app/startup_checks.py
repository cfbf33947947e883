"""Checks made while the app starts, kept out of ``main`` and the window.

Contract: ``show_settings_problems(window, problems)`` reports the values that
``AppSettings.load_checked`` replaced by their defaults, once: one warning in the log and one line
in the window's banner.
"""

from __future__ import annotations

import logging

from .settings import problems_message

log = logging.getLogger("videoscan")


def show_settings_problems(window, problems: list[str]) -> None:
    """Log and show (in the banner, not as a run error) the settings that fell back."""
    if not problems:
        return
    message = problems_message(problems)
    log.warning("%s", message)
    window.banner.show_message(message)
