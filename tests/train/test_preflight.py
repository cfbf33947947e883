"""Training refuses what would destroy data or fail late: the output folder (model folder,
non-empty), bad data records and videos, another family; it writes into a partial folder renamed
at the end and cleans up after a failure. Recipes fill the flags; LLaVA-Video loads through the
inference adapter with its per-row newlines."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from videoscan_core.errors import VideoScanError
from videoscan_core.train import runner
from videoscan_core.train.preflight import DATA_FORMAT, check_data
from videoscan_core.train.recipes import RECIPES, apply_recipe
from videoscan_core.train.runner import TrainOptions, train
from videoscan_core.video import import_cv2


def clip(path, frames=6):
    cv2 = import_cv2()
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 2.0, (40, 40))
    for i in range(frames):
        writer.write(np.full((40, 40, 3), 40 * i, np.uint8))
    writer.release()
    return path


RECORD = {
    "id": "1",
    "video": "one.mp4",
    "conversations": [
        {"from": "human", "value": "<video>\nWhat happens?"},
        {"from": "gpt", "value": "It gets brighter."},
    ],
}


def listing(folder):
    return sorted((p.name, p.stat().st_size) for p in folder.iterdir())


def options(model, output, **extra):
    return TrainOptions(
        stage=2,
        model=str(model),
        output=str(output),
        videos=4,
        batch_size=2,
        max_steps=1,
        show_progress=False,
        **extra,
    )


def test_output_is_the_model_folder(tiny_model_dir):
    before = listing(tiny_model_dir)
    with pytest.raises(VideoScanError, match="model folder"):
        train(options(tiny_model_dir, tiny_model_dir))
    with pytest.raises(VideoScanError, match="model folder"):
        train(options(tiny_model_dir, tiny_model_dir / "inside"))
    assert listing(tiny_model_dir) == before


def test_non_empty_output_refused_without_overwrite(tiny_model_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(VideoScanError, match="--overwrite"):
        train(options(tiny_model_dir, out))
    assert (out / "notes.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no partial folder left


def test_resume_into_a_folder_that_is_not_ours_deletes_nothing(tiny_model_dir, tmp_path):
    out = tmp_path / "notes"
    (out / "photos").mkdir(parents=True)
    (out / "notes.txt").write_text("mine")
    with pytest.raises(VideoScanError, match="not an earlier output"):
        train(options(tiny_model_dir, out, resume=True))
    assert (out / "notes.txt").read_text() == "mine" and (out / "photos").is_dir()
    assert [p.name for p in tmp_path.iterdir()] == ["notes"]


def test_a_checkpoint_cut_short_by_a_kill_is_skipped(tiny_model_dir, tmp_path):
    from videoscan_core.train.preflight import StagedOutput

    out = tmp_path / "out"
    staged = StagedOutput(tiny_model_dir, out, overwrite=False, resume=True)
    for step, files in ((12, ("config.json", "trainer_state.json")), (13, ("config.json",))):
        folder = staged.folder / "checkpoints" / f"checkpoint-{step}"
        folder.mkdir(parents=True)
        for name in files:
            (folder / name).write_text("{}")
    assert [p.name for p in staged.checkpoints()] == ["checkpoint-12"]
    assert "are kept" in staged.abandon()
    shutil.rmtree(staged.folder / "checkpoints" / "checkpoint-12")
    assert staged.checkpoints() == [] and staged.abandon() == ""
    assert not staged.folder.exists()


def test_a_sharded_save_cut_short_after_the_trainers_own_files_is_skipped(tmp_path):
    """A sharded run writes its shards, scheduler and random state after the Trainer's state
    file: until they are all written the checkpoint does not count as complete."""
    from videoscan_core.train.preflight import StagedOutput, state_written_last

    staged = StagedOutput(tmp_path / "model", tmp_path / "out", overwrite=False, resume=True)
    for step in (4, 6):
        folder = staged.folder / "checkpoints" / f"checkpoint-{step}"
        folder.mkdir(parents=True)
        (folder / "trainer_state.json").write_text("{}")  # the Trainer's own save, done
        try:
            with state_written_last(folder, primary=True):
                assert [p.name for p in staged.checkpoints()] == ["checkpoint-4"][: step == 6]
                (folder / "sharded").mkdir()
                if step == 6:
                    raise KeyboardInterrupt  # killed while the shards are written
                (folder / "scheduler.pt").write_bytes(b"")
        except KeyboardInterrupt:
            pass
    assert [p.name for p in staged.checkpoints()] == ["checkpoint-4"]
    with state_written_last(staged.folder / "checkpoints" / "checkpoint-4", primary=False):
        assert [p.name for p in staged.checkpoints()] == ["checkpoint-4"]  # others touch nothing


@pytest.mark.parametrize(
    ("records", "said"),
    [
        ({"video": "one.mp4"}, "holds no records"),
        ([RECORD, {"video": "one.mp4", "conversations": "hi"}], "record 1 has no"),
        ([RECORD, {**RECORD, "conversations": RECORD["conversations"][::-1]}], "record 1 turn 0"),
        ([RECORD, {**RECORD, "video": "gone.mp4"}], "gone.mp4 does not exist"),
    ],
)
def test_bad_data_is_named_before_the_model_loads(records, said, tmp_path, monkeypatch):
    clip(tmp_path / "one.mp4")
    data = tmp_path / "data.json"
    data.write_text(json.dumps(records))
    with pytest.raises(VideoScanError) as error:
        check_data(data)
    assert said in str(error.value)
    if "does not exist" not in said:
        assert DATA_FORMAT in str(error.value)


def test_data_checked_and_cleaned_up_before_loading(tiny_model_dir, tmp_path, monkeypatch):
    clip(tmp_path / "one.mp4")
    data = tmp_path / "data.json"
    data.write_text(json.dumps([RECORD, {**RECORD, "video": "gone.mp4"}]))

    def never(*args, **kwargs):
        raise AssertionError("the model was loaded")

    monkeypatch.setattr(runner, "_train", never)
    with pytest.raises(VideoScanError, match="gone.mp4"):
        train(options(tiny_model_dir, tmp_path / "out", data=str(data)))
    assert not (tmp_path / "out").exists() and not (tmp_path / ".out.partial").exists()


def test_other_family_refused(tiny_model_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "_train", lambda *a: pytest.fail("training started"))
    clip(tmp_path / "one.mp4")
    data = tmp_path / "data.json"
    data.write_text(json.dumps([{**RECORD, "model": "qwen2.5-vl"}]))
    with pytest.raises(VideoScanError, match="prepared for qwen2.5-vl"):
        train(options(tiny_model_dir, tmp_path / "a", data=str(data)))
    out = tmp_path / "b"  # a finished run of a Qwen model, resumed with a LLaVA model
    (out / "checkpoints" / "checkpoint-2").mkdir(parents=True)
    (out / "checkpoints" / "checkpoint-2" / "config.json").write_text(
        json.dumps({"model_type": "qwen2_5_vl"})
    )
    (out / "checkpoints" / "checkpoint-2" / "trainer_state.json").write_text("{}")
    with pytest.raises(VideoScanError, match="is a qwen2.5-vl model"):
        train(options(tiny_model_dir, out, resume=True))
    smol = tmp_path / "smol"  # a SmolVLM2 checkpoint does not resume a LLaVA run either
    (smol / "checkpoints" / "checkpoint-2").mkdir(parents=True)
    (smol / "checkpoints" / "checkpoint-2" / "config.json").write_text(
        json.dumps({"model_type": "smolvlm"})
    )
    (smol / "checkpoints" / "checkpoint-2" / "trainer_state.json").write_text("{}")
    with pytest.raises(VideoScanError, match="is a smolvlm2 model"):
        train(options(tiny_model_dir, smol, resume=True))


def test_positions_a_family_cannot_train_are_refused_before_loading(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "_train", lambda *a: pytest.fail("training started"))
    smol = tmp_path / "smol"
    smol.mkdir()
    (smol / "config.json").write_text(json.dumps({"model_type": "smolvlm"}))
    for mode in ("rerotate", "sliding", "official"):
        with pytest.raises(VideoScanError, match="smolvlm2 models train with compact or monotonic"):
            train(options(smol, tmp_path / "out", position_mode=mode))
    assert not list(tmp_path.glob("*out*"))


def test_a_failed_run_leaves_nothing(tiny_model_dir, tmp_path, monkeypatch):
    def broken(options, folder, family, staged):
        (staged.folder / "model.safetensors").write_text("half")
        raise RuntimeError("out of memory")

    monkeypatch.setattr(runner, "_train", broken)
    with pytest.raises(RuntimeError):
        train(options(tiny_model_dir, tmp_path / "out"))
    assert list(tmp_path.iterdir()) == []


def test_recipes_fill_unset_flags(monkeypatch, tmp_path):
    official = apply_recipe("official", {"learning_rate": 2e-5})
    assert official["learning_rate"] == 2e-5  # a flag wins
    assert (official["lora_rank"], official["lora_alpha"], official["vision_learning_rate"]) == (
        64,
        16,
        2e-6,
    )
    assert RECIPES["demo"]["learning_rate"] == 1e-3 and RECIPES["demo"]["lora_rank"] == 0
    from videoscan_core.cli.main import main

    seen = {}
    monkeypatch.setattr(runner, "train", lambda o: seen.setdefault("o", o) and tmp_path)
    main(["train", "--stage", "2", "--model", "m", "--output", "o", "--recipe", "official"])
    got = seen["o"]
    assert (got.lora_rank, got.lora_alpha, got.learning_rate) == (64, 16, 1e-5)
    assert (got.vision, got.vision_learning_rate, got.frames_per_clip) == ("lora", 2e-6, 3)
    assert got.warmup_ratio == 0.03 and got.max_steps == 0 and got.batch_size == 1


@pytest.mark.slow
def test_llava_video_trains_through_the_adapter_with_row_newlines(tmp_path):
    from videoscan_core.adapters import load_model
    from videoscan_core.tiny.llava import make_tiny_model

    folder = make_tiny_model(tmp_path / "lv", family="llava-video")
    base = load_model(folder)
    assert base.newline == "grid"
    out = train(
        TrainOptions(
            stage=2,
            model=str(folder),
            output=str(tmp_path / "out"),
            videos=4,
            batch_size=2,
            max_steps=1,
            show_progress=False,
            position_mode="official",
            lora_rank=4,
            lora_alpha=2,
            vision="lora",
            vision_learning_rate=1e-4,
        )
    )
    record = json.loads((out / "training.json").read_text())
    assert record["family"] == "llava-video" and record["tokens_per_frame"] == base.tokens_per_frame
    assert json.loads((out / "videoscan.json").read_text())["newline"] == "grid"
    trained = load_model(out)  # saved in OneVision format: the newlines come back
    assert trained.newline == "grid" and trained.tokens_per_frame == base.tokens_per_frame
    assert not (tmp_path / ".out.partial").exists()
