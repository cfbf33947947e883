"""README runs as written: every ``bash`` and ``python`` block runs as pasted (or says why not),
every command in them parses, and every printed example is what the command prints now, so a
retrained model cannot make README lie (markers and the update switch: tests/readme_blocks.py)."""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import os
import signal
import subprocess
import sys

import pytest

from tests.readme_blocks import README, ROOT, Block, blocks, commands, replace_output

UPDATE = os.environ.get("VIDEOSCAN_UPDATE_README") == "1"
SCRIPTS = (".venv/bin/videoscan", ".venv/bin/videoscan-desktop")


def normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def where(block: Block) -> str:
    return f"README.md line {block.line}"


def test_every_block_runs_or_says_why_not():
    found = blocks()
    assert any(block.kind == "output" for block in found)
    for previous, block in zip([None, *found], found, strict=False):
        assert block.lang in ("bash", "python", "text", "json", ""), where(block)
        if block.kind == "skip":
            assert block.marker.removeprefix("skip:").strip(), f"{where(block)}: say why"
        if block.kind == "background":
            assert block.lang == "bash" and block.wait_for, where(block)
        if block.kind == "output":
            assert block.lang == "text", where(block)
            assert previous is not None and previous.kind == "run" and previous.lang == "bash", (
                f"{where(block)}: an output block follows the bash block that prints it"
            )
        if block.lang == "json":
            json.loads(block.text)


def parse(argv: list[str]) -> None:
    """Parse a command line as the command would, without running it."""
    if argv[0].endswith("videoscan-desktop"):
        from app.main import build_parser
    else:
        from videoscan_core.cli.main import build_parser
    parser: argparse.ArgumentParser = build_parser()
    try:
        parser.parse_args(argv[1:])
    except SystemExit as stop:
        if stop.code not in (0, None):
            raise AssertionError(f"{' '.join(argv)!r} does not parse") from None


def test_every_command_in_a_bash_block_is_real(capsys):
    """Synopses (``[--flag]``, ``a|b``) belong in ``text`` blocks: pasted, they run as commands."""
    for block in blocks():
        if block.lang != "bash":
            continue
        for argv in commands(block.text):
            program = argv[0]
            if program in SCRIPTS:
                try:
                    parse(argv)
                except AssertionError as error:
                    err = capsys.readouterr().err.strip()
                    raise AssertionError(f"{where(block)}: {error}: {err}") from None
            elif program.startswith("scripts/"):
                assert os.access(ROOT / program, os.X_OK), f"{where(block)}: {program}"
            elif program == ".venv/bin/python" and argv[1:2] == ["-m"]:
                module = argv[2]
                assert module.split(".")[0] in ("benchmarks", "videoscan_core", "app"), where(block)
                assert importlib.util.find_spec(module) is not None, f"{where(block)}: {module}"
            else:
                raise AssertionError(f"{where(block)}: {program!r} is no command of ours")


def test_readme_says_how_commands_are_found_and_quotes_the_measured_speed():
    text = README.read_text(encoding="utf-8")
    top = "\n".join(text.splitlines()[:20])
    assert ".venv/bin/videoscan" in top and "source .venv/bin/activate" in top
    from videoscan_core.hub import speed

    flat = " ".join(text.split())
    model = "HuggingFaceTB/SmolVLM2-256M-Video-Instruct"
    for part in (speed.describe(model), speed.measured_with(model), speed.first_start(model)):
        assert part and part in flat, f"README should say, as videoscan_core/hub/speed.py: {part}"


# -- running the blocks -------------------------------------------------------------------------


@pytest.fixture
def scratch(tmp_path):
    """An empty folder that sees the checkout's .venv and resources, and a fresh HOME."""
    if not (ROOT / ".venv" / "bin" / "videoscan").exists():
        pytest.skip("README's commands need the set-up .venv (scripts/setup.sh)")
    if not os.environ.get("DISPLAY"):
        pytest.skip("README's screen examples need an X display (scripts/test.sh: xvfb-run)")
    folder = tmp_path / "readme"
    folder.mkdir()
    for name in (".venv", "resources", "scripts"):
        (folder / name).symlink_to(ROOT / name)
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "NETGUARD"))}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1")
    return folder, env


def run_block(block: Block, folder, env, port: int) -> str:
    text = block.text.replace("8765", str(port))  # never the fixed default port in a test
    argv = ["bash", "-e", "-c", text] if block.lang == "bash" else [sys.executable, "-c", text]
    result = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True,
                            timeout=900)  # fmt: skip
    assert result.returncode == 0, f"{where(block)} failed:\n{result.stderr[-3000:]}"
    return result.stdout


def start_block(block: Block, folder, env, port: int, log) -> subprocess.Popen:
    from tests.output_watch import OutputWatch

    process = subprocess.Popen(
        ["bash", "-c", block.text.replace("8765", str(port))], cwd=folder, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    watch = OutputWatch(process.stderr, log)
    assert watch.wait_for(block.wait_for, 900), f"{where(block)}: {watch.text()[-3000:]}"
    return process


def stop(process: subprocess.Popen) -> None:
    """Ctrl-C to the block's whole process group, as a terminal sends it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@pytest.mark.slow
def test_readme_blocks_run_as_pasted_and_print_what_readme_says(scratch, tmp_path):
    from tests.ports import free_port

    folder, env = scratch
    port = free_port()
    stale: list[tuple[Block, str]] = []
    printed = ""
    background: list[subprocess.Popen] = []
    try:
        for block in blocks():
            if block.kind == "run":
                printed = run_block(block, folder, env, port)
            elif block.kind == "background":
                background.append(start_block(block, folder, env, port, tmp_path / "bg.log"))
            elif block.kind == "output" and normalise(printed) != normalise(block.text):
                stale.append((block, printed))
    finally:
        for process in background:
            stop(process)
    if stale and UPDATE:
        text = README.read_text(encoding="utf-8")
        for block, printed in sorted(stale, key=lambda item: -item[0].line):
            text = replace_output(text, block, normalise(printed))
        README.write_text(text, encoding="utf-8")
        return
    report = []
    for block, printed in stale:
        diff = difflib.unified_diff(normalise(block.text).splitlines(),
                                    normalise(printed).splitlines(), "README", "printed",
                                    lineterm="")  # fmt: skip
        report.append(f"{where(block)}: the example output differs\n" + "\n".join(diff))
    assert not report, "\n\n".join(report) + (
        "\n\nIf the new output is right (a retrained model, say), update README with:\n"
        "VIDEOSCAN_UPDATE_README=1 .venv/bin/python -m pytest -m slow tests/test_readme.py"
    )
