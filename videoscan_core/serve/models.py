"""Which model names a server answers to, and loading them.

Contract: ``ModelPool(model_id, model, live)`` wraps the model the server was started with.
``served_ids()`` lists what ``GET /v1/models`` shows: ``videoscan-live`` (only with a live source),
the loaded model's id, and the catalogue's vision models that are installed on this machine.
``check(model_id, video)`` raises ``APIError(404, code="model_not_found")`` for a name the server
cannot answer with, and ``APIError(400)`` when the name and the request do not fit (a video sent
to ``videoscan-live``, a question without a video to a file model). ``get(model_id)`` returns the
model to stream with (loading a catalogue model on first use, on the worker thread, with the
pool's ``device``, ``dtype`` and ``frame_tokens``; one extra model is kept loaded besides the
server's own).
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..errors import VideoScanError
from ..limits import VIDEO_FRAME_TOKENS
from ..paths import DEMO_MODEL_ID, bundled_demo_model
from .protocol import APIError

LIVE_MODEL_ID = "videoscan-live"


class ModelPool:
    def __init__(
        self,
        model_id: str,
        model,
        live: bool = False,
        device=None,
        dtype=None,
        frame_tokens: int = VIDEO_FRAME_TOKENS,
    ) -> None:
        self.model_id, self._model, self.live = model_id, model, live
        self.device, self.dtype, self.frame_tokens = device, dtype, frame_tokens
        self.aliases = {model_id, Path(model_id).name}
        demo = bundled_demo_model()
        if demo is not None and Path(model_id).resolve() == demo.resolve():
            self.aliases.add(DEMO_MODEL_ID)
        self._extra: tuple[str, object] | None = None
        self._lock = threading.Lock()

    def default(self):
        return self._model

    def _catalogue_ids(self) -> list[str]:
        from ..hub.catalogue import CATALOGUE, installed_path

        return [
            item.id
            for item in CATALOGUE
            if item.kind == "vision" and item.id not in self.aliases and installed_path(item)
        ]

    def served_ids(self) -> list[str]:
        ids = [LIVE_MODEL_ID] if self.live else []
        return ids + [self.model_id] + self._catalogue_ids()

    def check(self, model_id: object, has_video: bool) -> str:
        """``model_id`` when a request may ask it (with or without a video); APIError if not."""
        if not isinstance(model_id, str) or not model_id:
            raise APIError(400, "model is required", param="model")
        if model_id == LIVE_MODEL_ID:
            if not self.live:
                raise APIError(
                    404,
                    f"model {LIVE_MODEL_ID} needs a server started with --source",
                    code="model_not_found",
                    param="model",
                )
            if has_video:
                raise APIError(
                    400,
                    f"{LIVE_MODEL_ID} answers from the live stream; send videos to {self.model_id}",
                    param="model",
                )
            return model_id
        if model_id not in self.aliases and not self._in_catalogue(model_id):
            raise APIError(
                404, f"the model {model_id} does not exist", code="model_not_found", param="model"
            )
        if not has_video:
            raise APIError(
                400,
                f"{model_id} answers about a video in the message (video_url, image_url frames "
                f"or input_video); ask {LIVE_MODEL_ID} about the live stream",
                param="messages",
            )
        return model_id

    def _in_catalogue(self, model_id: str) -> bool:
        from ..hub.catalogue import CATALOGUE

        return any(item.id == model_id and item.kind == "vision" for item in CATALOGUE)

    def get(self, model_id: str):
        if model_id in self.aliases or model_id == LIVE_MODEL_ID:
            return self._model
        with self._lock:
            if self._extra is not None and self._extra[0] == model_id:
                return self._extra[1]
        from ..adapters import load_model

        try:
            model = load_model(
                model_id, device=self.device, dtype=self.dtype, frame_tokens=self.frame_tokens
            )
        except VideoScanError as error:
            raise APIError(404, str(error), code="model_not_found", param="model") from None
        with self._lock:
            self._extra = (model_id, model)
        return model
