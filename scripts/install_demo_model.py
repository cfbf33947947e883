"""Install a trained demo model as videoscan-demo, only when it passes issue 22's checks.

    scripts/check_demo_model.sh build/demo-model      # writes the check results into WORK
    .venv/bin/python scripts/install_demo_model.py build/demo-model

Reads WORK/results.json (multiple choice), WORK/words.json (word answers), WORK/alerts.json
(alert precision/recall), WORK/plain.json (general questions with the adapters off) and
WORK/training.json; refuses, naming each failed check, unless multiple choice at M=32 >= 75%,
word answers >= 60%, alert precision >= 0.8 and recall >= 0.6, `order` above chance and every
general question equal to the base model. Then copies WORK/parts (the trained parts, a few MB)
into resources/models/videoscan-demo, moves the previous model's weights out of it (to
tests/assets/toy-demo-model, where fast tests keep using it) and assembles the new model
(python -m videoscan_core.model_setup). The card (README.md there) is written by hand from
WORK/checks.md, which this script prints.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "resources" / "models" / "videoscan-demo"
TOY = ROOT / "tests" / "assets" / "toy-demo-model"
OLD_FILES = ("config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
             "tokenizer_config.json", "preprocessor_config.json", "videoscan.json")


def last_json(path: Path) -> dict:
    """The last line of a command's output that is a JSON object."""
    for line in reversed(path.read_text().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError(f"{path} holds no JSON object")


def checks(work: Path) -> list[tuple[str, float, str, bool]]:
    """(name, value, goal, passed) for each of issue 22's checks."""
    results = {row["variant"]: row for row in last_json(work / "results.json")["results"]}
    m32 = next(row for name, row in results.items() if "M=32" in name)
    words = last_json(work / "words.json")["word_accuracy"]
    alerts = last_json(work / "alerts.json")["overall"]
    plain = last_json(work / "plain.json")
    return [
        ("multiple choice, M=32", m32["accuracy"], ">= 0.75", m32["accuracy"] >= 0.75),
        ("order, M=32", m32["per_type"]["order"], "> 0.5", m32["per_type"]["order"] > 0.5),
        ("word answers", words, ">= 0.60", words >= 0.60),
        ("alert precision", alerts["precision"] or 0.0, ">= 0.8",
         (alerts["precision"] or 0.0) >= 0.8),
        ("alert recall", alerts["recall"] or 0.0, ">= 0.6", (alerts["recall"] or 0.0) >= 0.6),
        ("general questions equal, adapters off", plain["equal"] / plain["questions"], "= 1",
         plain["equal"] == plain["questions"]),
    ]


def main(work: Path) -> int:
    rows = checks(work)
    report = "\n".join(f"| {name} | {value:.3f} | {goal} | {'ok' if ok else 'FAILED'} |"
                       for name, value, goal, ok in rows)
    (work / "checks.md").write_text("| check | value | goal | |\n|---|---|---|---|\n" + report)
    print(report)
    failed = [name for name, _, _, ok in rows if not ok]
    if failed:
        print(f"not installed: {', '.join(failed)} below the goal", file=sys.stderr)
        return 1
    if (TARGET / "model.safetensors").is_file():
        TOY.mkdir(parents=True, exist_ok=True)
        for name in OLD_FILES:
            if (TARGET / name).is_file():
                shutil.move(TARGET / name, TOY / name)
    for name in ("videoscan-demo-parts.safetensors", "parts.json"):
        shutil.copy(work / "parts" / name, TARGET / name)
    subprocess.run([sys.executable, "-m", "videoscan_core.model_setup"], cwd=ROOT, check=True)
    print(f"installed: {TARGET} (parts); write the card from {work / 'checks.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "build/demo-model")))
