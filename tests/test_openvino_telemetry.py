"""OpenVINO reports usage to Google Analytics as soon as ``import openvino`` runs (no consent file
counts as consent for it) and leaves a client id under ``~/intel``. ``disable_telemetry()`` puts an
import hook in place that declines the consent check before the first import anywhere in the
process; these tests show the leak without it and its absence with it."""

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
    from videoscan_core.telemetry import disable_telemetry
    disable_telemetry()
import openvino  # sends ("ov", "import", "general_import") unless declined
from openvino.tools.ovc.telemetry_utils import init_ovc_telemetry
telemetry = init_ovc_telemetry()
print("consent", telemetry.consent, "files", sorted(p.name for p in Path.home().iterdir()))
"""


def probe(mode: str, home) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "TF_BUILD", "JENKINS_URL")}
    env["HOME"] = str(home)  # a CI variable alone would also switch it off: not what we test
    env["NETGUARD_OFF"] = "1"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, mode], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_importing_openvino_would_report_unless_telemetry_is_disabled_first(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "silenced").mkdir()
    assert probe("plain", tmp_path / "plain") == "consent True files ['intel']"
    assert probe("silenced", tmp_path / "silenced") == "consent False files []"


def test_the_hook_is_installed_once_and_silences_an_openvino_imported_earlier():
    from videoscan_core.telemetry import OpenVinoTelemetryHook, install_openvino_hook

    first = install_openvino_hook()
    assert install_openvino_hook() is first
    assert sum(isinstance(f, OpenVinoTelemetryHook) for f in sys.meta_path) == 1


def test_nothing_imports_openvino_before_the_hook():
    """Every ``import openvino`` in the project comes after ``install_openvino_hook()``."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    offenders = []
    for folder in ("videoscan_core", "app", "benchmarks", "scripts", "packaging"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text()
            at = text.find("import openvino")
            if path.name == "telemetry.py":
                continue  # the hook's own home
            if at >= 0 and text.find("install_openvino_hook()") not in range(0, at):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []
