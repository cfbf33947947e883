"""OpenVINO's model converter would report usage to Google Analytics (no consent file counts as
consent for it) and leave a client id under ``~/intel``; ``silence_openvino_telemetry`` stops both
before the vision runtime converts anything."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("openvino_telemetry")

PROBE = """
import sys
from pathlib import Path
if sys.argv[1] == "silenced":
    from videoscan_core.privacy import silence_openvino_telemetry
    assert silence_openvino_telemetry()
from openvino.tools.ovc.telemetry_utils import init_ovc_telemetry
telemetry = init_ovc_telemetry()
print("consent", telemetry.consent, "files", sorted(p.name for p in Path.home().iterdir()))
"""


def probe(mode: str, home) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TF_BUILD", "JENKINS_URL")}
    env["HOME"] = str(home)  # a CI variable alone would also switch it off: not what we test
    result = subprocess.run(
        [sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_converter_would_send_usage_events_unless_silenced(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "silenced").mkdir()
    assert probe("plain", tmp_path / "plain") == "consent True files ['intel']"
    assert probe("silenced", tmp_path / "silenced") == "consent False files []"


def test_the_vision_runtime_silences_it_before_converting():
    import inspect

    from videoscan_core.adapters import vision_runtime

    source = inspect.getsource(vision_runtime.VisionRuntime._compile)
    assert source.index("silence_openvino_telemetry()") < source.index("ov.convert_model(")
