"""Switching models safely: what was asked for, and what may be saved once it works.

Contract: plain Python. ``request(source, settings)`` records a model load (``settings``: the
whole new settings when the change came from Settings or Models, None for the start-up model;
``source`` may differ from ``settings.model``: the demo model is saved as "");
``ready(source)`` returns the settings to save now that ``source`` loaded (None when there is
nothing new to save, or when ``source`` was replaced by a later request); ``failed(source)``
forgets a request that did not load, so nothing of it is saved. ``is_current(source)`` says
whether ``source`` is the newest request.
"""

from __future__ import annotations

from ..settings import AppSettings


class ModelSwitch:
    def __init__(self) -> None:
        self.requested = ""  # the newest model asked for
        self.pending: AppSettings | None = None  # saved only once its model is ready
        self._pending_source = ""  # the model that must load for ``pending`` to be saved
        self.devices: list[str] = []  # devices torch can use here (known once a model loaded)

    def request(self, source: str, settings: AppSettings | None = None) -> None:
        self.requested = source
        self.pending, self._pending_source = settings, source

    def is_current(self, source: str) -> bool:
        return source == self.requested

    def ready(self, source: str, devices: list[str]) -> AppSettings | None:
        self.devices = list(devices) or self.devices
        pending, self.pending = self.pending, None
        return pending if pending is not None and self._pending_source == source else None

    def failed(self, source: str) -> None:
        if self.pending is not None and self._pending_source == source:
            self.pending = None
