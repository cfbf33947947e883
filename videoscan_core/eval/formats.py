"""Annotation files of public video-QA benchmarks, read into ``QAItem``s.

Contract: ``load_items(fmt, annotation, video_folder)`` reads one annotation file (a JSON list, a
JSON object wrapping one, JSON lines, or, for VideoMME, the official parquet when pyarrow is
installed) and returns one ``QAItem`` per question, ``item.id`` = ``"<row index>"``. A row
without a field its format needs raises ``VideoScanError`` naming the file, the row, the field
and the format expected (``FORMATS``). Formats, as each benchmark ships them:
- ``mvbench``: a task JSON ``[{"video", "question", "candidates", "answer", "start"?, "end"?}]``
  (answer = the option's text; ``start``/``end`` bound the clip in seconds, STAR tasks); a
  ``video`` that is a folder of images is a frame-folder task (tvqa), read at 3 fps;
- ``mlvu``: ``[{"video", "question", "candidates", "answer", "question_type", "duration"?}]``;
- ``longvideobench``: ``[{"video_path", "question", "candidates", "correct_choice",
  "question_category"}]`` (correct_choice = index);
- ``videomme``: the dataset's records ``{"videoID", "question", "options": ["A. ..", ..],
  "answer": "A", "task_type", "duration": "short|medium|long"}`` (videos ``<videoID>.mp4``);
- ``vstream``: open-ended streaming QA ``[{"video"|"video_path"|"video_id", "question",
  "answer", "end_time"?}]``: asked when the stream reaches ``end_time`` seconds.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import VideoReadError, VideoScanError
from .choice import LETTERS, mc_prompt

FORMATS = {
    "mvbench": '[{"video", "question", "candidates", "answer", "start"?, "end"?}]',
    "mlvu": '[{"video", "question", "candidates", "answer", "question_type"}]',
    "longvideobench": '[{"video_path", "question", "candidates", "correct_choice"}]',
    "videomme": '[{"videoID", "question", "options": ["A. ..", ..], "answer", "duration"}]',
    "vstream": '[{"video", "question", "answer", "end_time"?}]',
}


@dataclass
class QAItem:
    video: Path
    question: str
    options: list[str] | None  # None: open-ended
    answer: str  # a letter for multiple choice, the reference text otherwise
    category: str = ""
    ask_at: float | None = None  # seconds into the stream (streaming QA)
    style: str = "default"  # lmms-eval prompt layout (choice.mc_prompt)
    id: str = ""
    start: float | None = None  # clip bounds in seconds (MVBench STAR tasks)
    end: float | None = None
    duration_group: str = ""  # VideoMME: short / medium / long

    def prompt(self) -> str:
        if not self.options:
            return self.question
        return mc_prompt(self.question, self.options, self.style)


def _rows(annotation: str | Path) -> list:
    path = Path(annotation)
    if path.suffix == ".parquet":
        try:
            import pyarrow.parquet as parquet
        except ImportError:
            raise VideoScanError(
                f"{path} is parquet: install pyarrow, or convert it to JSON lines"
            ) from None
        return parquet.read_table(path).to_pylist()
    try:
        text = path.read_text()
    except OSError as error:
        raise VideoReadError(f"cannot read annotations {path}: {error}") from None
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as error:
            raise VideoReadError(
                f"cannot read annotations {path}: not JSON or JSON lines ({error})"
            ) from None
    if isinstance(data, dict):  # some files wrap the list
        data = next((v for v in data.values() if isinstance(v, list)), [])
    if not isinstance(data, list):
        raise VideoScanError(f"{path}: expected a list of questions")
    return data


def _strip_letter(option: str) -> str:
    return re.sub(r"^\(?[A-J][.)]\s*", "", str(option).strip())


def _bound(row: dict, key: str) -> float | None:
    value = row.get(key)
    return None if value in (None, "") else float(value)


def _item(fmt: str, row: dict, folder: Path) -> QAItem:
    if fmt in ("mvbench", "mlvu"):
        options = [str(o) for o in row["candidates"]]
        if row["answer"] not in options:
            raise ValueError(f"answer {row['answer']!r} is not one of the candidates")
        return QAItem(
            folder / row["video"],
            row["question"],
            options,
            LETTERS[options.index(row["answer"])],
            str(row.get("question_type", row.get("task", fmt))),
            style="mlvu" if fmt == "mlvu" else "default",
            start=_bound(row, "start") if fmt == "mvbench" else None,
            end=_bound(row, "end") if fmt == "mvbench" else None,
        )
    if fmt == "longvideobench":
        options = [str(o) for o in row["candidates"]]
        return QAItem(
            folder / row["video_path"],
            row["question"],
            options,
            LETTERS[int(row["correct_choice"])],
            str(row.get("question_category", row.get("duration_group", ""))),
        )
    if fmt == "videomme":
        options = [_strip_letter(option) for option in row["options"]]
        answer = str(row["answer"]).strip()[:1].upper()
        if answer not in LETTERS[: len(options)]:
            raise ValueError(f"answer {row['answer']!r} is not a letter of the options")
        return QAItem(
            folder / f"{row['videoID']}.mp4",
            row["question"],
            options,
            answer,
            str(row.get("task_type", "")),
            style="videomme",
            duration_group=str(row.get("duration", "")),
        )
    if fmt == "vstream":
        end = row.get("end_time", row.get("answer_time"))
        video = row.get("video", row.get("video_path"))
        if video is None:
            video = f"{row['video_id']}.mp4"
        return QAItem(
            folder / video,
            row["question"],
            None,
            str(row["answer"]),
            str(row.get("type", row.get("answer_type", "open"))),
            float(end) if end is not None else None,
        )
    raise VideoScanError(f"unknown benchmark format {fmt!r}; known: {', '.join(FORMATS)}")


def load_items(
    fmt: str, annotation: str | Path, video_folder: str | Path | None = None
) -> list[QAItem]:
    if fmt not in FORMATS:
        raise VideoScanError(f"unknown benchmark format {fmt!r}; known: {', '.join(FORMATS)}")
    folder = Path(video_folder) if video_folder else Path(annotation).parent
    items: list[QAItem] = []
    for index, row in enumerate(_rows(annotation)):
        try:
            if not isinstance(row, dict):
                raise TypeError("not an object")
            item = _item(fmt, row, folder)
        except KeyError as error:
            raise VideoScanError(
                f"{annotation}: row {index} has no field {error}; {fmt} expects {FORMATS[fmt]}"
            ) from None
        except (ValueError, TypeError, IndexError) as error:
            raise VideoScanError(
                f"{annotation}: row {index} is not valid {fmt} ({error}); "
                f"expected {FORMATS[fmt]}"
            ) from None
        item.id = str(index)
        items.append(item)
    return items
