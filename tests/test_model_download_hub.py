"""``downloads.download()`` through the real ``huggingface_hub`` client against a local fake hub.

Unlike ``test_models_catalogue.py`` (a fake ``snapshot`` callable), these run the installed
``snapshot_download`` end to end over HTTP (``tests/fake_hub.py``) into a cache in ``tmp_path``.

``huggingface_hub`` reads its endpoint, cache folders and offline flag from the environment once,
at import (and ``tests/conftest.py`` sets ``HF_HUB_OFFLINE=1`` before that), so setting environment
variables is not enough: the ``hub_home`` fixture also patches ``huggingface_hub.constants``, which
the download path reads at call time (``ENDPOINT``, ``HUGGINGFACE_CO_URL_TEMPLATE``,
``HF_HUB_CACHE``, ``HF_HUB_OFFLINE``, ...).
"""

from __future__ import annotations

import hashlib
import io
import random
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_hub import FakeHub
from videoscan_core.hub import downloads

REPO = "acme/tiny-model"
FILES = {
    "config.json": b'{"model_type": "tiny"}',
    "tokenizer.json": bytes(range(256)) * 20,  # 5 KiB
    "model.safetensors": random.Random(0).randbytes(300 * 1024),  # the big one: 19 chunks of 16 KiB
}
BIG = "model.safetensors"
TOTAL = sum(len(data) for data in FILES.values())
CHUNK = 16 * 1024


@pytest.fixture
def hub_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An online, token-less huggingface_hub whose whole home (cache, locks, token) is tmp_path."""
    from huggingface_hub import constants

    home = tmp_path / "hf"
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_ENDPOINT", "HF_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(home))
    monkeypatch.setenv("HF_HUB_CACHE", str(home / "hub"))
    for name, value in {
        "HF_HOME": str(home),
        "HF_HUB_CACHE": str(home / "hub"),
        "HF_ASSETS_CACHE": str(home / "assets"),
        "HF_TOKEN_PATH": str(home / "token"),
        "HF_STORED_TOKENS_PATH": str(home / "stored_tokens"),
        "AGENT_HARNESSES_PATH": str(home / ".agent_harnesses.json"),
        "HF_HUB_OFFLINE": False,
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": True,  # never send a developer's token to the fake hub
        "DOWNLOAD_CHUNK_SIZE": CHUNK,  # default 10 MB: one progress update per small file
    }.items():
        monkeypatch.setattr(constants, name, value)
    return home


@pytest.fixture
def hub(hub_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    from huggingface_hub import constants

    with FakeHub({REPO: dict(FILES)}, chunk_size=CHUNK) as server:
        monkeypatch.setattr(constants, "ENDPOINT", server.url)
        template = server.url + "/{repo_id}/resolve/{revision}/{filename}"
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", template)
        yield server


def file_gets(hub: FakeHub, filename: str | None = None) -> list[str | None]:
    """The Range headers of the GETs of (one) repo file."""
    return [
        seen.range
        for seen in hub.seen("GET")
        if "/resolve/" in seen.path and (filename is None or seen.path.endswith("/" + filename))
    ]


def test_full_download_is_byte_identical_and_reports_progress(hub, hub_home):
    reports: list[downloads.DownloadProgress] = []
    folder = downloads.download(REPO, reports.append, disk_free=lambda path: 10**12)

    assert folder.is_relative_to(hub_home / "hub") and folder.name == hub.sha(REPO)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == FILES
    assert reports[0] == downloads.DownloadProgress(0, TOTAL, 0.0)
    done = [report.downloaded for report in reports]
    assert len(reports) > len(FILES) and done == sorted(done) and done[-1] >= TOTAL
    assert all(r.total == TOTAL for r in reports) and reports[-1].bytes_per_second > 0
    assert file_gets(hub) == [None] * len(FILES)  # each file fetched once, whole

    # huggingface_hub's own layout, locks and tree cache all live in tmp_path
    storage = hub_home / "hub" / "models--acme--tiny-model"
    blobs = {p.name for p in (storage / "blobs").iterdir()}
    assert blobs == {hashlib.sha256(data).hexdigest() for data in FILES.values()}
    assert len(list((hub_home / "hub" / ".locks" / storage.name).glob("*.lock"))) == len(FILES)
    assert (storage / "refs" / "main").read_text() == hub.sha(REPO)
    assert not list(storage.rglob("*.incomplete"))

    # a second call is served from the cache: no file is fetched again
    assert downloads.download(REPO, disk_free=lambda path: 10**12) == folder
    assert len(file_gets(hub)) == len(FILES)


def test_progress_ends_exactly_at_the_total(hub):
    # snapshot_download feeds every byte to a transfer bar and a reconstruction bar: count once
    reports: list[downloads.DownloadProgress] = []
    downloads.download(REPO, reports.append, disk_free=lambda path: 10**12)
    assert reports[-1].downloaded == reports[-1].total == TOTAL
    assert reports[-1].seconds_left == 0.0
    # reached only by the last byte (reports are capped at the total: a double count would
    # reach it half way and then repeat it)
    assert [report.downloaded for report in reports].count(TOTAL) == 1


def cancel_mid_file_then_retry(hub: FakeHub, hub_home: Path) -> Path:
    """Cancel once part of the big file arrived; check it stopped; download again."""
    cancel = threading.Event()

    def hold_the_big_file(name: str, offset: int) -> None:  # in the server thread
        if offset >= 8 * CHUNK:  # the client cannot get past half the file before cancelling
            cancel.wait(10)

    hub.before_chunk = hold_the_big_file

    small = TOTAL - len(FILES[BIG])

    def on_progress(progress: downloads.DownloadProgress) -> None:
        # all the server lets through: the small files are complete, the big one is half way
        if progress.downloaded >= 8 * CHUNK + small:
            cancel.set()

    with pytest.raises(downloads.DownloadCancelled, match="cancelled"):
        downloads.download(REPO, on_progress, cancel, disk_free=lambda path: 10**12)
    assert cancel.is_set()
    snapshot = hub_home / "hub" / "models--acme--tiny-model" / "snapshots" / hub.sha(REPO)
    assert not (snapshot / BIG).exists()  # the big file really was not finished
    assert file_gets(hub, BIG) == [None]

    hub.before_chunk = None
    folder = downloads.download(REPO, disk_free=lambda path: 10**12)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == FILES
    return folder


def test_a_retry_after_cancel_keeps_finished_files_and_refetches_the_rest(hub, hub_home):
    cancel_mid_file_then_retry(hub, hub_home)
    # huggingface_hub 2.x deletes an interrupted file's partial download: it starts again whole
    assert file_gets(hub, BIG) == [None, None]
    for name in ("config.json", "tokenizer.json"):  # finished before the cancel: not again
        assert file_gets(hub, name) == [None]


def test_a_connection_cut_mid_file_resumes_with_a_range_request(hub, hub_home):
    cut = {"done": False}

    def cut_once(name: str, offset: int) -> None:  # in the server thread
        if name == BIG and offset >= 6 * CHUNK and not cut["done"]:
            cut["done"] = True
            raise ConnectionResetError("the network dropped")  # closes the connection

    hub.before_chunk = cut_once
    reports: list[downloads.DownloadProgress] = []
    folder = downloads.download(REPO, reports.append, disk_free=lambda path: 10**12)
    assert cut["done"] and (folder / BIG).read_bytes() == FILES[BIG]
    first, resumed = file_gets(hub, BIG)
    assert first is None and resumed == f"bytes={6 * CHUNK}-"  # went on where it stopped
    assert reports[-1].downloaded == TOTAL
    assert [report.downloaded for report in reports].count(TOTAL) == 1  # no byte counted twice


def test_fake_hub_serves_ranges_to_the_real_client(hub):
    """The resume test can only fail because of the client: the server side of resume works."""
    from huggingface_hub import file_download, hf_hub_url

    sink = io.BytesIO()
    file_download.http_get(hf_hub_url(REPO, BIG), sink, resume_size=1000)
    assert sink.getvalue() == FILES[BIG][1000:]
    assert file_gets(hub, BIG) == ["bytes=1000-"]


def test_an_unknown_repo_is_a_download_error(hub):
    with pytest.raises(downloads.DownloadError, match="nope/missing"):
        downloads.download("nope/missing", disk_free=lambda path: 10**12)
    assert [s.path for s in hub.seen() if "nope" in s.path] == [
        "/api/models/nope/missing/revision/main"
    ]


def test_an_unknown_repo_is_reported_as_missing(hub):
    # the dry run wraps RepositoryNotFoundError in DryRunError: the cause is what matters
    with pytest.raises(downloads.DownloadError, match="does not exist on the Hugging Face hub"):
        downloads.download("nope/missing", disk_free=lambda path: 10**12)


def test_not_enough_disk_space_is_refused_before_any_file_is_fetched(hub, hub_home):
    with pytest.raises(downloads.DownloadError, match="not enough disk space") as error:
        downloads.download(REPO, disk_free=lambda path: 10)
    assert REPO in str(error.value)
    assert hub.seen("HEAD") and not file_gets(hub)  # the listing was read, no file was fetched
    assert not list(hub_home.rglob("blobs/*"))
