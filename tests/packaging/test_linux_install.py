"""The tarball's install.sh and uninstall.sh in a fresh HOME, on a stand-in bundle: what they
install and remove, and an apt hint only for the system libraries that are really missing."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
LIBRARIES = ("libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libxcb-cursor.so.0",
             "libxkbcommon-x11.so.0", "libportaudio.so.2")  # fmt: skip

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@pytest.fixture
def unpacked(tmp_path) -> Path:
    """What build_tarball.sh puts in the tarball, with a one-line stand-in for the bundle."""
    stage = tmp_path / "VideoScan-0.1.0"
    (stage / "VideoScan").mkdir(parents=True)
    (stage / "VideoScan" / "VideoScan").write_text("#!/bin/sh\necho stand-in\n")
    (stage / "VideoScan" / "VideoScan").chmod(0o755)
    for name in ("install.sh", "uninstall.sh", "videoscan.desktop"):
        shutil.copy2(LINUX / name, stage / name)
    shutil.copy2(ROOT / "resources" / "icons" / "videoscan-256.png", stage / "videoscan.png")
    return stage


def run(script: Path, home: Path, *args: str, present=LIBRARIES) -> str:
    """Run ``script`` with HOME=``home`` and an ``ldconfig -p`` that lists ``present``."""
    tools = home.parent / "tools"
    tools.mkdir(exist_ok=True)
    listing = "".join(f"\\t{name} (libc6,x86-64) => /usr/lib/{name}\\n" for name in present)
    (tools / "ldconfig").write_text(f"#!/bin/sh\nprintf '{listing}'\n")
    (tools / "ldconfig").chmod(0o755)
    env = {key: value for key, value in os.environ.items() if not key.startswith("XDG_")}
    env.update(HOME=str(home), VIDEOSCAN_LDCONFIG=str(tools / "ldconfig"))
    result = subprocess.run(["bash", str(script), *args], env=env, capture_output=True, text=True,
                            timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_install_then_uninstall_keeps_the_users_data_unless_purged(unpacked, tmp_path):
    home = tmp_path / "home"
    said = run(unpacked / "install.sh", home)
    opt = home / ".local" / "opt" / "VideoScan"
    entry = home / ".local" / "share" / "applications" / "videoscan.desktop"
    icon = home / ".local" / "share" / "icons" / "hicolor" / "256x256" / "apps" / "videoscan.png"
    assert (opt / "VideoScan").is_file() and (opt / "uninstall.sh").is_file() and icon.is_file()
    assert f"Exec={opt}/VideoScan" in entry.read_text()
    assert "apt" not in said  # every library is there
    settings = home / ".config" / "VideoScan" / "VideoScan Desktop.conf"
    settings.parent.mkdir(parents=True)
    settings.write_text("[General]\n")
    run(opt / "uninstall.sh", home)
    assert not opt.exists() and not entry.exists() and not icon.exists()
    assert settings.is_file()  # kept
    run(unpacked / "install.sh", home)
    said = run(opt / "uninstall.sh", home, "--purge")
    assert not settings.parent.exists() and "Removed its settings" in said


def test_the_apt_hint_names_only_the_missing_libraries(unpacked, tmp_path):
    home = tmp_path / "home"
    said = run(unpacked / "install.sh", home, present=LIBRARIES[1:4])
    hint = [line for line in said.splitlines() if "apt install" in line]
    assert len(hint) == 1 and hint[0].endswith("sudo apt install libxcb-icccm4 libportaudio2")
    bundled = unpacked / "VideoScan" / "_internal" / "libportaudio.so.2"  # carried by the bundle
    bundled.parent.mkdir()
    bundled.write_bytes(b"")
    said = run(unpacked / "install.sh", home, present=LIBRARIES[1:4])
    assert said.splitlines()[-1].endswith("sudo apt install libxcb-icccm4")
