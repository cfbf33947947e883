"""Architecture contracts: the core never imports Qt or the app, and importing it is cheap."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QT_MODULES = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qtpy", "superqt")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_source_never_imports_qt_or_the_app():
    offenders = []
    for path in (ROOT / "videoscan_core").rglob("*.py"):
        for name in imported_modules(path):
            top = name.split(".")[0]
            if top in QT_MODULES or top == "app":
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_core_at_runtime_loads_no_qt_and_import_is_cheap():
    code = (
        "import sys, videoscan_core\n"
        "assert 'torch' not in sys.modules, 'importing videoscan_core must not load torch'\n"
        "import videoscan_core.stream.engine, videoscan_core.cli.main, videoscan_core.adapters\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {QT_MODULES!r}]\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_gui_modules_do_not_import_torch():
    """The GUI starts fast: torch/transformers/faster_whisper load in worker threads only."""
    code = (
        "import sys, os\n"
        "os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')\n"
        "import app.main, app.window.main_window, app.widgets.model_manager, app.voice.controller\n"
        "from videoscan_core.hub.hardware import detect_hardware\n"
        "detect_hardware()\n"
        "heavy = [m for m in ('torch', 'transformers', 'faster_whisper') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
