"""The model catalogue, recommendation, and downloads (without the network)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest

from videoscan_core.hub import catalogue, downloads, recommendation
from videoscan_core.hub.hardware import Hardware


def test_catalogue_lists_the_supported_models():
    ids = {item.id for item in catalogue.CATALOGUE}
    assert {
        "videoscan-demo",
        "llava-hf/llava-onevision-qwen2-0.5b-ov-hf",
        "llava-hf/llava-onevision-qwen2-7b-ov-hf",
        "lmms-lab/LLaVA-Video-7B-Qwen2",
    } <= ids
    speech = [item for item in catalogue.CATALOGUE if item.kind == "speech"]
    assert {item.speech_name for item in speech} == {"", "base", "small"}
    assert catalogue.entry("base").id == "Systran/faster-whisper-base"
    with pytest.raises(catalogue.ModelNotFoundError):
        catalogue.entry("gpt-17")


@pytest.mark.parametrize(
    "hardware, expected",
    [
        (Hardware(16, 64.0, "A100", 80.0), "Qwen/Qwen3-VL-8B-Instruct"),
        (Hardware(16, 64.0, "A100", 80.0, 15.0, True), "Qwen/Qwen3-VL-4B-Instruct"),
        (Hardware(8, 32.0, "RTX 3060", 12.0), "Qwen/Qwen3-VL-2B-Instruct"),
        (
            Hardware(8, 32.0, "RTX 4060", 8.0, 7.6, True),
            "HuggingFaceTB/SmolVLM2-2.2B-Instruct",
        ),
        (Hardware(8, 16.0, "MX150", 2.0), "HuggingFaceTB/SmolVLM2-500M-Video-Instruct"),
        (Hardware(2, 24.0), "HuggingFaceTB/SmolVLM2-256M-Video-Instruct"),
        (Hardware(4, 8.0), "HuggingFaceTB/SmolVLM2-500M-Video-Instruct"),
        (Hardware(4, 4.0), "HuggingFaceTB/SmolVLM2-256M-Video-Instruct"),
        (Hardware(2, 3.0), "videoscan-demo"),
    ],
)
def test_recommendation_follows_the_hardware(hardware, expected):
    best, why = recommendation.recommend(hardware)
    assert best.id == expected and len(why) > 20
    if best.family == "smolvlm2" and hardware.gpu_memory_gb < 4:
        assert "s per frame" in why  # says what to expect on a CPU
        seconds = float(why.split(" s per frame")[0].rsplit(" ", 1)[-1])
        assert seconds > 0


def test_smolvlm2_checkpoints_are_catalogued_with_what_people_need():
    smol = {item.id: item for item in catalogue.CATALOGUE if item.family == "smolvlm2"}
    assert set(smol) == {
        "HuggingFaceTB/SmolVLM2-256M-Video-Instruct",
        "HuggingFaceTB/SmolVLM2-500M-Video-Instruct",
        "HuggingFaceTB/SmolVLM2-2.2B-Instruct",
    }
    for item in smol.values():
        assert item.licence == "Apache-2.0" and item.preset == "training-free"
        assert item.speed_class in ("cpu", "cpu-slow") and item.download_gb > 1
        assert item.ignore == ("onnx/*",)  # ONNX exports are not needed to run it
    sizes = [smol[key].download_gb for key in sorted(smol, key=lambda k: smol[k].cpu_ram_gb)]
    assert sizes == sorted(sizes)


def test_download_skips_files_the_engine_does_not_use(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    seen = []

    def hub(repo_id, dry_run=False, tqdm_class=None, ignore_patterns=None):
        seen.append(ignore_patterns)
        return [FakeFile(10)] if dry_run else str(tmp_path)

    downloads.download(
        "HuggingFaceTB/SmolVLM2-256M-Video-Instruct", snapshot=hub, disk_free=lambda p: 10**9
    )
    assert seen == [["onnx/*"], ["onnx/*"]]


def test_downloads_are_refused_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(downloads.DownloadError, match="offline"):
        downloads.download("llava-hf/llava-onevision-qwen2-0.5b-ov-hf")


@dataclass
class FakeFile:
    file_size: int
    will_download: bool = True


class FakeHub:
    """Stands in for snapshot_download: a listing, then byte progress through tqdm_class."""

    def __init__(self, sizes, folder):
        self.sizes, self.folder, self.calls = sizes, folder, []

    def __call__(self, repo_id, dry_run=False, tqdm_class=None):
        self.calls.append(repo_id)
        if dry_run:
            return [FakeFile(size) for size in self.sizes]
        for size in self.sizes:
            bar = tqdm_class(total=size, unit="B")
            for _ in range(4):
                bar.update(size // 4)
            bar.close()
        return str(self.folder)


def test_download_reports_progress_and_checks_disk_space(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    hub = FakeHub([4000, 6000], tmp_path)
    reports = []
    path = downloads.download("some/repo", reports.append, snapshot=hub, disk_free=lambda p: 10**9)
    assert path == tmp_path and reports[0].total == 10000
    assert reports[-1].downloaded == 10000 and reports[-1].bytes_per_second > 0
    with pytest.raises(downloads.DownloadError, match="not enough disk space"):
        downloads.download("some/repo", snapshot=hub, disk_free=lambda p: 5000)


def test_download_can_be_cancelled(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    cancel = threading.Event()
    hub = FakeHub([1000], tmp_path)
    with pytest.raises(downloads.DownloadCancelled, match="finished files are kept"):
        downloads.download(
            "some/repo",
            lambda progress: cancel.set(),
            cancel,
            snapshot=hub,
            disk_free=lambda p: 10**9,
        )


class XetLikeHub(FakeHub):
    """Like a Xet transfer: exceptions raised in progress callbacks are swallowed (hf_xet logs
    and ignores them), so only aborting the Xet session stops the download."""

    def __init__(self, sizes, folder, aborted):
        super().__init__(sizes, folder)
        self.aborted = aborted

    def __call__(self, repo_id, dry_run=False, tqdm_class=None):
        if dry_run:
            return super().__call__(repo_id, dry_run=True)
        bar = tqdm_class(total=sum(self.sizes), unit="B")
        try:
            bar.update(100)
            bar.update(100)  # the cancel is set by now: this raises, and is swallowed
        except downloads.DownloadCancelled:
            pass
        assert self.aborted.wait(10), "the Xet session was never aborted"
        raise RuntimeError("xet: transfer aborted")


def test_cancel_aborts_a_xet_transfer(tmp_path, monkeypatch):
    from huggingface_hub.utils import _xet

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    aborted, cancel = threading.Event(), threading.Event()
    monkeypatch.setattr(_xet, "abort_xet_session", aborted.set)
    hub = XetLikeHub([1000], tmp_path, aborted)
    with pytest.raises(downloads.DownloadCancelled, match="finished files are kept"):
        downloads.download(
            "some/repo",
            lambda progress: cancel.set(),
            cancel,
            snapshot=hub,
            disk_free=lambda p: 10**9,
        )


def test_qwen_checkpoints_are_catalogued_for_gpus():
    qwen = {item.id: item for item in catalogue.CATALOGUE if item.family.startswith("qwen")}
    assert set(qwen) == {
        "Qwen/Qwen2.5-VL-3B-Instruct",
        "Qwen/Qwen2.5-VL-7B-Instruct",
        "Qwen/Qwen3-VL-2B-Instruct",
        "Qwen/Qwen3-VL-4B-Instruct",
        "Qwen/Qwen3-VL-8B-Instruct",
    }
    for item in qwen.values():
        assert item.speed_class == "gpu" and item.preset == "training-free"
        assert item.gpu_vram_gb > item.download_gb  # bfloat16 weights plus working memory
        assert item.cpu_ram_gb > 2 * item.download_gb  # float32 on a CPU
    assert qwen["Qwen/Qwen2.5-VL-3B-Instruct"].licence == "qwen-research"


def test_gpu_recommendation_names_the_dtype():
    older = Hardware(8, 32.0, "Tesla T4", 15.0, 14.6, False)  # no bfloat16
    best, why = recommendation.recommend(older)
    assert best.family == "qwen3-vl" and "float16" in why and "--dtype float16" in why
    assert recommendation.recommended_dtype(older) == "float16"
    newer = Hardware(8, 32.0, "RTX 4090", 24.0, 23.0, True)
    best, why = recommendation.recommend(newer)
    assert best.id == "Qwen/Qwen3-VL-8B-Instruct" and "--dtype bfloat16" in why
    assert "23 GB free" in why


def test_nvidia_smi_free_memory_and_bfloat16_are_parsed():
    from videoscan_core.hub.hardware import parse_free_and_capability

    assert parse_free_and_capability("11264, 8.6") == (11.0, True)
    assert parse_free_and_capability("15000, 7.5")[1] is False
    assert parse_free_and_capability("100, [N/A]")[1] is None
