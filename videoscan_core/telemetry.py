"""Third-party telemetry switched off before the libraries that send it are loaded.

Contract: ``disable_telemetry()`` sets every known opt-out switch in ``os.environ`` (a value that
would turn telemetry on is overridden: "nothing leaves your machine" is not a preference) and
returns the names it changed. It must run before onnxruntime,
faster_whisper, huggingface_hub, hf_xet or transformers are imported, because they read these
switches once, at load time:

- ``ORT_DISABLE_TELEMETRY``: onnxruntime (loaded by faster-whisper's voice detection) otherwise
  starts Microsoft's 1DS telemetry, which looks up ``mobile.events.data.microsoft.com`` and keeps
  a device id and an event queue under ``~/.cache/Microsoft/DeveloperTools/.onnxruntime/``;
  ``onnxruntime.disable_telemetry_events()`` does not stop it, this variable does.
- ``HF_HUB_DISABLE_TELEMETRY``, ``DISABLE_TELEMETRY``, ``DO_NOT_TRACK``: huggingface_hub and
  transformers (usage pings, the user-agent's telemetry fields).
- ``HF_XET_TELEMETRY_ENABLED``: the hf_xet download client's own telemetry.

OpenVINO has no switch: ``import openvino`` itself sends a Google Analytics event and writes a
client id under ``~/intel`` (``openvino/tools/ovc/__init__.py``). ``disable_telemetry()`` therefore
also installs ``OpenVinoTelemetryHook`` on ``sys.meta_path``: the first time anything in the process
imports ``openvino`` (or ``openvino_telemetry``), the hook declines OpenVINO's consent check before
the import proceeds. Nothing of OpenVINO is imported until then, so processes that never use it pay
nothing.

Every entry point calls it first (``videoscan``, ``videoscan-desktop``, the packaged launcher);
``speech`` and model loading call it again defensively (it is idempotent and cheap).
"""

from __future__ import annotations

import importlib.abc
import os
import sys
import threading

# name -> value that turns the telemetry off
TELEMETRY_SWITCHES: dict[str, str] = {
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "HF_XET_TELEMETRY_ENABLED": "false",
}


def disable_telemetry() -> list[str]:
    """Set every opt-out switch and install the OpenVINO import hook; return the names of the
    switches whose value changed now."""
    changed = []
    for name, value in TELEMETRY_SWITCHES.items():
        if os.environ.get(name) != value:
            os.environ[name] = value
            changed.append(name)
    install_openvino_hook()
    return changed


class OpenVinoTelemetryHook(importlib.abc.MetaPathFinder):
    """A finder that never finds anything: on the first import of ``openvino`` or
    ``openvino_telemetry`` it silences OpenVINO's telemetry, then lets the import go on."""

    WATCHED = ("openvino", "openvino_telemetry")

    def __init__(self) -> None:
        self._lock = threading.RLock()  # the silencer imports through this hook
        self._busy = False
        self.silenced = False

    def find_spec(self, fullname, path=None, target=None):  # noqa: ARG002 - the finder protocol
        if fullname not in self.WATCHED or self.silenced:
            return None
        with self._lock:
            if self._busy or self.silenced:
                return None  # the silencer's own import of openvino_telemetry
            self._busy = True
            try:
                self.silenced = silence_openvino_telemetry()
            finally:
                self._busy = False
        return None


def install_openvino_hook() -> OpenVinoTelemetryHook:
    """Put the hook first on ``sys.meta_path`` (once per process) and return it. When OpenVINO
    was already imported, its telemetry is silenced now (events sent at that import are gone)."""
    for finder in sys.meta_path:
        if isinstance(finder, OpenVinoTelemetryHook):
            return finder
    hook = OpenVinoTelemetryHook()
    sys.meta_path.insert(0, hook)
    if "openvino_telemetry" in sys.modules or "openvino" in sys.modules:
        hook.silenced = silence_openvino_telemetry()
    return hook


def silence_openvino_telemetry() -> bool:
    """Keep ``openvino.convert_model`` from sending usage events.

    OpenVINO's converter reports to Google Analytics through ``openvino_telemetry`` whenever the
    user has not opted out (no consent file counts as consent for it: ``enable_opt_in_dialog`` is
    False there), and writes a client id under ``~/intel``; there is no environment switch. Its
    consent check is made to answer "declined" for this process, and a telemetry object created
    earlier is told the same. Call it before any conversion; returns False when
    ``openvino_telemetry`` is not installed (nothing to silence)."""
    try:
        from openvino_telemetry import main as telemetry_main
        from openvino_telemetry.utils import opt_in_checker
    except ImportError:
        return False

    def declined(self, *args, **kwargs):  # noqa: ARG001 - the checker's signature
        return opt_in_checker.ConsentCheckResult.DECLINED

    opt_in_checker.OptInChecker.check = declined
    telemetry_main.OptInChecker.check = declined
    existing = getattr(telemetry_main.Telemetry, "_SingletonMetaClass__single_instance", None)
    if existing is not None:
        existing.consent = False
    return True
