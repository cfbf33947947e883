"""Checks made before a training run loads its model, and the output folder's life cycle.

Contract:
- ``check_data(path, video_folder)`` reads a LLaVA-Video-178K-style JSON file and checks every
  record (``DATA_FORMAT``) and that every video exists and decodes; the first bad record, or the
  first unreadable video (with the count of others), raises ``VideoScanError`` naming the
  expected format. Returns the number of records.
- ``check_family(model_folder, data_path, checkpoint)``: the model's family (``family_of``); a
  data file whose records name a ``"model"``/``"family"``, or a checkpoint to resume from, of
  another family is refused; families training does not handle yet are refused by name.
- ``StagedOutput(model_folder, output, overwrite, resume)`` refuses an output that is (or holds,
  or sits inside) the model folder, or is a non-empty folder without ``overwrite``; with
  ``resume`` a non-empty output must be an earlier output of ``videoscan train`` (its
  ``training.json`` or ``checkpoints/``), since ``commit()`` replaces it. ``.folder`` is a hidden
  sibling ``.<name>.partial`` that the run writes into; ``commit()`` renames it to ``output``
  (replacing the old one); ``abandon()`` deletes it unless it holds a complete checkpoint (kept
  for ``--resume``, which then continues from it). ``checkpoints()`` lists complete checkpoints
  only (``trainer_state.json``, which the Trainer writes last): one a kill cut short is skipped.
  ``state_written_last(folder, primary)`` keeps that true when more files follow the Trainer's
  own (a sharded run's shards, scheduler and random state): the state file is set aside while
  they are written and put back after them. Under torchrun only the process with ``RANK`` 0
  creates, renames or deletes.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..adapters.families import FAMILIES
from ..adapters.families import family as family_facts
from ..errors import VideoReadError, VideoScanError

TRAINER_STATE = "trainer_state.json"  # the last file the Trainer writes into a checkpoint


@contextmanager
def state_written_last(folder: Path, primary: bool) -> Iterator[None]:
    """The checkpoint in ``folder`` counts as complete only once the block has written its files:
    a kill (or an error) inside it leaves the state file set aside, so ``checkpoints`` skips it."""
    state, pending = folder / TRAINER_STATE, folder / f"{TRAINER_STATE}.pending"
    if primary and state.is_file():
        state.replace(pending)
    yield
    if primary and pending.is_file():
        pending.replace(state)
DATA_FORMAT = (
    'a JSON list of {"video": "<file under --video-folder>", "conversations": [{"from": '
    '"human", "value": "<video>\\nQuestion"}, {"from": "gpt", "value": "Answer"}, ...]} '
    "(LLaVA-Video-178K)"
)
TRAINABLE_FAMILIES = tuple(item.name for item in FAMILIES)
# LLaVA trains on one masked sequence, the other families by replaying the stream (replay.py)
MASKED_LAYOUT = "llava"
REPLAY_POSITION_MODES = ("compact", "monotonic")


def check_positions(family: str, position_mode: str) -> None:
    """Stage-2 positions the family's training forward can build (before the model loads)."""
    if family_facts(family).layout != MASKED_LAYOUT and position_mode not in REPLAY_POSITION_MODES:
        raise VideoScanError(
            f"{family} models train with compact or monotonic positions (not {position_mode})"
        )


def _bad(path: Path, index: int, record, why: str) -> VideoScanError:
    shown = json.dumps(record)[:120]
    return VideoScanError(f"{path}: record {index} {why}: {shown}; expected {DATA_FORMAT}")


def _check_record(path: Path, index: int, record) -> None:
    if not isinstance(record, dict):
        raise _bad(path, index, record, "is not an object")
    if not isinstance(record.get("video"), str) or not record["video"]:
        raise _bad(path, index, record, 'has no "video" file name')
    turns = record.get("conversations")
    if not isinstance(turns, list) or len(turns) < 2:
        raise _bad(path, index, record, 'has no "conversations" list with a question and answer')
    for k, turn in enumerate(turns):
        if not isinstance(turn, dict) or not isinstance(turn.get("value"), str):
            raise _bad(path, index, record, f"turn {k} has no text value")
        if turn.get("from") != ("human" if k % 2 == 0 else "gpt"):
            raise _bad(path, index, record, f'turn {k} should be from "human" then "gpt"')


def check_data(path: str | Path, video_folder: str | Path | None = None) -> int:
    from ..video import probe_video

    path = Path(path)
    try:
        records = json.loads(path.read_text())
    except OSError as error:
        raise VideoReadError(f"cannot read training data {path}: {error}") from None
    except ValueError as error:
        raise VideoScanError(f"{path} is not JSON ({error}); expected {DATA_FORMAT}") from None
    if not isinstance(records, list) or not records:
        raise VideoScanError(f"{path} holds no records; expected {DATA_FORMAT}")
    for index, record in enumerate(records):
        _check_record(path, index, record)
    folder = Path(video_folder) if video_folder else path.parent
    bad: list[str] = []
    for video in dict.fromkeys(record["video"] for record in records):
        try:
            probe_video(folder / video)
        except VideoReadError as error:
            bad.append(str(error))
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise VideoScanError(f"training data {path}: {bad[0]}{more}; nothing was trained")
    return len(records)


def _family(folder: Path) -> str | None:
    from ..adapters.loading import family_of

    try:
        return family_of(json.loads((folder / "config.json").read_text()))
    except (OSError, ValueError):
        return None


def check_family(model_folder: Path, data: str, checkpoint: Path | None = None) -> str:
    family = _family(model_folder)
    if family is None:
        raise VideoScanError(f"{model_folder} is not a model folder VideoScan knows")
    if family not in TRAINABLE_FAMILIES:
        raise VideoScanError(
            f"training {family} models is not supported yet (only "
            f"{', '.join(TRAINABLE_FAMILIES)}); {model_folder} was not changed"
        )
    if checkpoint is not None:
        theirs = _family(checkpoint)
        same = family_facts(theirs or "").training_layout == family_facts(family).training_layout
        if theirs is not None and not same:
            raise VideoScanError(
                f"checkpoint {checkpoint} is a {theirs} model but --model is {family}"
            )
    if data not in ("synthetic", "synthetic-words") and Path(data).is_file():
        try:
            records = json.loads(Path(data).read_text())
        except ValueError:
            return family
        for record in records if isinstance(records, list) else []:
            named = isinstance(record, dict) and (record.get("family") or record.get("model"))
            if named and str(named).lower() not in (family, str(model_folder)):
                raise VideoScanError(
                    f"{data} was prepared for {named}, but --model is a {family} model"
                )
    return family


def _inside(a: Path, b: Path) -> bool:
    return a == b or b in a.parents


class StagedOutput:
    def __init__(self, model_folder: Path, output: str | Path, overwrite: bool, resume: bool):
        self.output = Path(output).expanduser().resolve()
        model = Path(model_folder).resolve()
        if _inside(self.output, model) or _inside(model, self.output):
            raise VideoScanError(
                f"--output {self.output} is the model folder or overlaps it; choose another folder"
            )
        if self.output.exists() and not self.output.is_dir():
            raise VideoScanError(f"--output {self.output} is a file")
        busy = self.output.is_dir() and any(self.output.iterdir())
        ours = (self.output / "training.json").is_file() or (self.output / "checkpoints").is_dir()
        if busy and not overwrite and not (resume and ours):
            also = " (and not an earlier output of videoscan train to resume)" if resume else ""
            raise VideoScanError(
                f"--output {self.output} is not empty{also}; pass --overwrite to replace it"
            )
        self.folder = self.output.parent / f".{self.output.name}.partial"
        # under torchrun every process checks; only the first one creates, renames or deletes
        self.primary = int(os.environ.get("RANK", "0")) == 0
        if self.primary and self.folder.exists() and not resume:
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def checkpoints(self) -> list[Path]:
        """Complete checkpoints to resume from, oldest first: the unfinished run's, else the
        finished output's."""
        for place in (self.folder, self.output):
            found = sorted(
                (
                    path
                    for path in (place / "checkpoints").glob("checkpoint-*")
                    if path.name[11:].isdigit() and (path / TRAINER_STATE).is_file()
                ),
                key=lambda path: int(path.name[11:]),
            )
            if found:
                return found
        return []

    def commit(self) -> Path:
        if self.output.exists():
            old = self.output.parent / f".{self.output.name}.old"
            shutil.rmtree(old, ignore_errors=True)
            self.output.rename(old)
            self.folder.rename(self.output)
            shutil.rmtree(old, ignore_errors=True)
        else:
            self.folder.rename(self.output)
        return self.output

    def abandon(self) -> str:
        """Remove the unfinished folder; keep it when it holds a checkpoint. Returns a note."""
        if not self.primary:
            return ""
        if self.checkpoints() and self.checkpoints()[0].is_relative_to(self.folder):
            return f"the checkpoints in {self.folder} are kept: --resume continues from them"
        shutil.rmtree(self.folder, ignore_errors=True)
        return ""
