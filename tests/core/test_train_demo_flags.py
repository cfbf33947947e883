"""Every flag of ``videoscan train``, ``demo`` and ``make-tiny-model`` reaches what it sets: the
``TrainOptions`` the trainer receives (each flag over the recipe, the recipe where none is given),
the demo's model, seed, count, memory and word questions, the tiny model's folder, seed, geometry
and family. Nothing is trained or streamed: the receivers are replaced."""

from __future__ import annotations

import pytest

from tests.core.test_subcommand_flags import options_of
from videoscan_core.cli.main import main
from videoscan_core.train.recipes import RECIPES

TRAIN = {
    "--stage", "--model", "--data", "--video-folder", "--output", "--videos", "--easy-fraction",
    "--recipe", "--max-steps", "--epochs", "--batch-size", "--grad-accum", "--lr", "--vision-lr",
    "--warmup-steps", "--warmup-ratio", "--frames-per-clip", "--position-mode", "--lora-rank",
    "--lora-alpha", "--vision", "--save-steps", "--resume", "--overwrite", "--fsdp", "--seed",
}  # fmt: skip
DEMO = {"--seed", "--videos", "--model", "--memory", "--words", "--json", "--write-video"}
TINY = {"folder", "--seed", "--geometry", "--family"}


@pytest.mark.parametrize("command,flags", [("train", TRAIN), ("demo", DEMO),
                                           ("make-tiny-model", TINY)])  # fmt: skip
def test_every_flag_is_covered_here(command, flags):
    assert options_of(command) == flags


@pytest.fixture
def trained(monkeypatch, tmp_path):
    import videoscan_core.train.runner as runner

    seen = []

    def train(options):
        seen.append(options)
        return tmp_path / "out" / "model"

    monkeypatch.setattr(runner, "train", train)
    return seen


def test_train_defaults_are_the_demo_recipe(trained, capsys):
    assert main(["train", "--stage", "1", "--model", "m", "--output", "o"]) == 0
    (options,) = trained
    assert (options.stage, options.model, options.output) == (1, "m", "o")
    assert (options.data, options.videos, options.easy_fraction) == ("synthetic", 2000, 0.0)
    assert options.position_mode == "compact"
    assert (options.save_steps, options.seed, options.resume, options.overwrite) == (
        200, 0, False, False
    )  # fmt: skip
    assert (options.video_folder, options.fsdp) == (None, False)
    for name, value in RECIPES["demo"].items():
        assert getattr(options, name) == value, name
    assert capsys.readouterr().out.strip().endswith("model")


def test_every_train_flag_reaches_the_trainer_over_the_recipe(trained):
    code = main([
        "train", "--stage", "2", "--model", "m", "--data", "clips.json", "--video-folder", "v",
        "--output", "o", "--videos", "17", "--easy-fraction", "0.25", "--recipe", "official",
        "--max-steps", "9", "--epochs", "2.5", "--batch-size", "3", "--grad-accum", "5",
        "--lr", "0.002", "--vision-lr", "0.0003", "--warmup-steps", "7", "--warmup-ratio", "0.1",
        "--frames-per-clip", "6", "--position-mode", "official", "--lora-rank", "12",
        "--lora-alpha", "6", "--vision", "frozen", "--save-steps", "11", "--resume",
        "--overwrite", "--fsdp", "--seed", "4",
    ])  # fmt: skip
    assert code == 0
    (options,) = trained
    assert (options.stage, options.data, options.video_folder) == (2, "clips.json", "v")
    assert (options.videos, options.easy_fraction) == (17, 0.25)
    assert (options.max_steps, options.epochs, options.batch_size, options.grad_accum) == (
        9, 2.5, 3, 5
    )  # fmt: skip
    assert (options.learning_rate, options.vision_learning_rate) == (0.002, 0.0003)
    assert (options.warmup_steps, options.warmup_ratio, options.frames_per_clip) == (7, 0.1, 6)
    assert (options.position_mode, options.lora_rank, options.lora_alpha) == ("official", 12, 6)
    assert (options.vision, options.save_steps, options.seed) == ("frozen", 11, 4)
    assert options.resume and options.overwrite
    assert options.fsdp is True


def test_the_official_recipe_fills_what_no_flag_gives(trained):
    assert main(["train", "--stage", "2", "--model", "m", "--output", "o", "--recipe",
                 "official", "--lr", "0.5"]) == 0  # fmt: skip
    (options,) = trained
    assert options.learning_rate == 0.5
    for name, value in RECIPES["official"].items():
        if name != "learning_rate":
            assert getattr(options, name) == value, name


@pytest.mark.parametrize("flags,said", [
    (["--batch-size", "0"], "--batch-size and --grad-accum must be at least 1"),
    (["--grad-accum", "0"], "--batch-size and --grad-accum must be at least 1"),
    (["--lr", "0"], "--lr must be greater than 0"),
    (["--vision-lr", "-1"], "--lr must be greater than 0"),
])  # fmt: skip
def test_train_refuses_bad_values_before_training(trained, flags, said, capsys):
    assert main(["train", "--stage", "1", "--model", "m", "--output", "o", *flags]) != 0
    assert said in capsys.readouterr().err and trained == []


@pytest.mark.parametrize("flags", [["--batch-size", "1"], ["--grad-accum", "1"],
                                   ["--lr", "1e-9"]])  # fmt: skip
def test_the_smallest_good_values_pass(trained, flags):
    assert main(["train", "--stage", "1", "--model", "m", "--output", "o", *flags]) == 0


# -- demo ---------------------------------------------------------------------------------------
@pytest.fixture
def demoed(monkeypatch):
    import videoscan_core.adapters as adapters
    import videoscan_core.eval.demo as demo
    import videoscan_core.paths as paths

    seen: dict = {}

    class Result:
        def to_json(self):
            return {"accuracy": 1.0, "questions": 1, "per_type": {}, "word_questions": 0}

    def run_demo(model, seed, videos, memory, show, words):
        seen["run"] = (model, seed, videos, memory, words)
        return Result()

    def load_model(source, device=None, dtype=None):
        seen["load"] = (str(source), device, dtype)
        return "model"

    monkeypatch.setattr(adapters, "load_model", load_model)
    monkeypatch.setattr(demo, "run_demo", run_demo)
    monkeypatch.setattr(demo, "write_demo_video", lambda path, seed=0:
                        seen.setdefault("video", (path, seed)) and path)  # fmt: skip
    monkeypatch.setattr(paths, "bundled_demo_model", lambda: "/bundled/videoscan-demo")
    return seen


def test_demo_defaults(demoed, capsys):
    assert main(["demo"]) == 0
    assert demoed["load"] == ("/bundled/videoscan-demo", "cpu", "float32")
    assert demoed["run"] == ("model", 0, 5, 16, 4)
    assert "multiple choice: 100.0% of 1 questions" in capsys.readouterr().out


def test_every_demo_flag_reaches_the_run(demoed, capsys):
    import json

    assert main(["demo", "--seed", "3", "--videos", "2", "--model", "mine", "--memory", "7",
                 "--words", "0", "--json"]) == 0  # fmt: skip
    assert demoed["load"] == ("mine", "cpu", "float32")
    assert demoed["run"] == ("model", 3, 2, 7, 0)
    assert json.loads(capsys.readouterr().out)["accuracy"] == 1.0
    assert main(["demo", "--write-video", "d.mp4", "--seed", "9"]) == 0
    assert demoed["video"] == ("d.mp4", 9) and demoed["run"][1] == 3  # nothing streamed


@pytest.mark.parametrize("flags,said,ok", [
    (["--videos", "0"], "--videos and --memory must be at least 1", False),
    (["--memory", "0"], "--videos and --memory must be at least 1", False),
    (["--words", "-1"], "--words must be at least 0", False),
    (["--videos", "1", "--memory", "1", "--words", "0"], "", True),
])  # fmt: skip
def test_demo_bounds(demoed, capsys, flags, said, ok):
    assert (main(["demo", *flags]) == 0) is ok
    if not ok:
        assert said in capsys.readouterr().err and "run" not in demoed


# -- make-tiny-model ----------------------------------------------------------------------------
def test_every_make_tiny_model_flag_reaches_the_builder(monkeypatch, capsys):
    import videoscan_core.tiny.llava as tiny_model

    seen = []
    monkeypatch.setattr(tiny_model, "make_tiny_model", lambda folder, seed=0, geometry="tiny",
                        family="llava-onevision": seen.append((folder, seed, geometry, family))
                        or folder)  # fmt: skip
    assert main(["make-tiny-model", "t"]) == 0
    assert main(["make-tiny-model", "u", "--seed", "5", "--geometry", "demo", "--family",
                 "smolvlm2"]) == 0  # fmt: skip
    assert seen == [("t", 0, "tiny", "llava-onevision"), ("u", 5, "demo", "smolvlm2")]
    assert "wrote a tiny random smolvlm2 model to u" in capsys.readouterr().out
