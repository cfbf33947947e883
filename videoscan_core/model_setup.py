"""Set-up's model step: the real language model and the models built on it, offline afterwards.

    python -m videoscan_core.model_setup [--home DIR]

Contract: makes sure ``smollm2.base_lm_home()`` holds the converted SmolLM2-135M-Instruct
(``smollm2.ensure_base_lm``) and the SmolVLM2 test model on it (``smollm2_vlm``); what is already
complete is kept and costs no network and no hashing of big files, so re-running is cheap.
Progress goes to stderr, one line per step that does work. When the base model cannot be had
(no network, say) it prints one line saying what is missing and exits 0 (set-up goes on; the
tests that need it skip with a reason); any other failure exits 1 with one line.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import first_line


def say(message: str) -> None:
    sys.stderr.write(f"setup: {message}\n")
    sys.stderr.flush()


def run(home: Path) -> int:
    from transformers.utils import logging as transformers_logging

    from .smollm2 import CONVERTED_NAME, BaseModelMissing, converted_ok, ensure_base_lm
    from .smollm2_vlm import TEST_MODEL_NAME, make_smollm2_vlm, test_model_folder

    transformers_logging.disable_progress_bar()  # set-up prints its own lines
    transformers_logging.set_verbosity_error()
    if not converted_ok(home / CONVERTED_NAME):
        say("fetching and converting SmolLM2-135M-Instruct (first run: about a minute)")
    try:
        base = ensure_base_lm(home)
    except BaseModelMissing as error:
        say(str(error))
        return 0
    if test_model_folder(home) is None:
        say("building the SmolVLM2 test model on SmolLM2")
        make_smollm2_vlm(home / TEST_MODEL_NAME, base)
    assemble_demo(base)
    return 0


def assemble_demo(base: Path) -> None:
    """The demo model from its tracked parts and the base model, when parts are tracked."""
    from .demo_model import PARTS_FILE, assemble, assembled_ok
    from .paths import assembled_demo_folder, demo_parts_folder

    parts, target = demo_parts_folder(), assembled_demo_folder()
    if not (parts / PARTS_FILE).is_file() or assembled_ok(target, parts):
        return
    say(f"assembling the demo model in {target}")
    assemble(parts, base, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m videoscan_core.model_setup")
    parser.add_argument("--home", type=Path, help="where the models go (default .cache/base-lm)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TQDM_DISABLE", "1")  # the GGUF reader's bar (read at tqdm's import)
    from .smollm2 import base_lm_home

    try:
        return run(args.home or base_lm_home())
    except Exception as error:  # one line for people; set-up stops
        say(f"the model step failed: {type(error).__name__}: {first_line(error)}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
