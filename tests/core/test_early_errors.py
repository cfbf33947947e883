"""Mistakes are named at once and exactly: before a model loads (the model named here does not
exist, so a check made after the load would report that instead), one line naming the bad value;
every option says what it does; library progress bars stay off the terminal."""

from __future__ import annotations

import argparse
import re
import socket

import pytest

from videoscan_core.cli.main import build_parser, main

MISSING_MODEL = "no-such-model-folder"


def one_error(capsys, *argv: str) -> str:
    code = main(list(argv))
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0 and len(err) == 1 and err[0].startswith("videoscan: error: "), err
    return err[0].removeprefix("videoscan: error: ")


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--videos", "0"], "--videos must be at least 1 (got 0)"),
        (["--videos", "-3"], "--videos must be at least 1 (got -3)"),
        (["--variants", "m32,m33"], "unknown variant(s) ['m33']; known: "),
    ],
)
def test_eval_synthetic_refuses_before_the_model_loads(capsys, argv, said):
    assert one_error(capsys, "eval", "synthetic", "--model", MISSING_MODEL, *argv).startswith(said)


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--port", "70000"], "--port must be in 1-65535 (got 70000)"),
        (["--port", "0"], "--port must be in 1-65535 (got 0)"),
        (["--memory", "0"], "--memory must be at least 1"),
        (["--fps", "0"], "--fps must be greater than 0"),
    ],
)
def test_serve_names_the_one_bad_value(capsys, argv, said):
    pytest.importorskip("uvicorn")
    error = one_error(capsys, "serve", "--model", MISSING_MODEL, *argv)
    assert error.startswith(said) and error.count("--") == 1, error


def test_serve_finds_a_port_in_use_before_the_model_loads(capsys):
    pytest.importorskip("uvicorn")
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        said = one_error(capsys, "serve", "--model", MISSING_MODEL, "--port", str(port))
    assert said.startswith(f"cannot listen on 127.0.0.1:{port}: "), said


def test_every_option_of_every_command_says_what_it_does():
    missing = []

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    walk(sub, f"{name} {sub_name}")
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "videoscan")
    from app.main import build_parser as desktop_parser

    walk(desktop_parser(), "videoscan-desktop")
    assert missing == []


@pytest.mark.parametrize("command", ["run", "watch", "serve", "mcp", "eval"])
def test_model_help_says_a_catalogue_id_works(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "catalogue id (videoscan-demo" in text


def test_desktop_help_lists_every_source_kind_it_accepts(capsys):
    from app.main import build_parser as desktop_parser
    from videoscan_core.capture.base import SourceSpec

    text = " ".join(desktop_parser().format_help().split())
    kinds = r"screen\[:N\]|region:X,Y,W,H|window:TITLE|webcam\[:N\]|file:PATH|demo:N"
    forms = re.findall(rf"\b({kinds})", text)
    assert len(set(forms)) == 6, text
    examples = {"screen": "screen:1", "region": "region:0,0,10,10", "window": "window:Firefox",
                "webcam": "webcam:0", "file": "file:clip.mp4", "demo": "demo:1"}  # fmt: skip
    assert {SourceSpec.parse(example).kind for example in examples.values()} == set(examples)


def test_loading_a_model_prints_no_library_progress_bar(capfd):
    """transformers' "Loading weights" bar leaked onto the app's and the Python API's terminal."""
    from transformers.utils import logging as hf_logging

    from videoscan_core.adapters import load_model
    from videoscan_core.paths import bundled_demo_model

    if bundled_demo_model() is None:
        pytest.skip("the demo model is not bundled")
    hf_logging.enable_progress_bar()  # as in a fresh process (the CLI turns it off globally)
    capfd.readouterr()
    load_model("videoscan-demo")
    assert "Loading weights" not in capfd.readouterr().err
    assert hf_logging.is_progress_bar_enabled()  # the caller's choice is left as it was
