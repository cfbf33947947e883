"""The GPU check behind ``scripts/gpu_check.sh``: one command, one JSON file, a time budget.

    python -m benchmarks.gpu_check --output FILE [--budget-s 420] [--dry-run]

With CUDA: environment (GPU, memory, versions); ``equivalence`` (tests/gpu/test_device_equivalence:
the oracle and family equivalence tests on CUDA in bfloat16 and float16, with their measured
errors); ``fsdp_training`` (a short ``videoscan train --fsdp`` of a tiny SmolVLM2 under torchrun on
one GPU); then per real geometry (Qwen3-VL-2B, Qwen2.5-VL-3B, SmolVLM2-2.2B; random weights,
bfloat16) ``benchmarks/device_run.py``: frame cost against history, answer latency and device
memory over a stream of frames (3,600 for the first geometry). Without CUDA (or ``--dry-run``) the
same parts run small on the CPU (a CI smoke test): equivalence in bfloat16 for one family, the
``tiny`` geometry, a 2-step one-process sharded training.

Every part runs in its own process with a time limit (``PARTS``' caps, cut to what is left of
``--budget-s``); a part that fails, times out or is skipped (no CUDA, too little free memory for
a geometry, out of time) is recorded with its reason and the next part runs. The JSON is rewritten
after every part (and after every stage inside a geometry), so a stopped run leaves what it
measured. Exit code 0 when every part that ran passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# (part, cap in seconds on a GPU); geometries: (name, frames of the memory soak)
GEOMETRIES = (("qwen3-vl-2b", 3600), ("qwen2.5-vl-3b", 1200), ("smolvlm2-2.2b", 1200))
CAPS = {"equivalence": 90, "fsdp_training": 60, "qwen3-vl-2b": 140, "qwen2.5-vl-3b": 65,
        "smolvlm2-2.2b": 65}  # fmt: skip
DRY_CAPS = {"equivalence": 240, "fsdp_training": 180, "tiny": 120}
GB = 1e9


class Check:
    def __init__(self, output: Path, budget_s: float, dry: bool) -> None:
        self.output, self.dry = output, dry
        self.deadline = time.monotonic() + budget_s
        self.started = time.monotonic()
        self.result: dict = {"check": "gpu_check", "mode": "cpu-dry-run" if dry else "cuda",
                             "budget_s": budget_s, "started_utc": _utc(), "finished": False,
                             "parts": {}, "skipped": [], "failed": []}  # fmt: skip

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def save(self) -> None:
        self.result["seconds"] = round(time.monotonic() - self.started, 1)
        self.output.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.output.with_name(self.output.name + ".tmp")
        temporary.write_text(json.dumps(self.result, indent=1))
        os.replace(temporary, self.output)

    def record(self, name: str, part: dict) -> None:
        self.result["parts"][name] = part
        status = part.get("status")
        if status == "skipped":
            self.result["skipped"].append(f"{name}: {part.get('reason', '')}")
        elif status != "ok":
            self.result["failed"].append(f"{name}: {status}: {part.get('error', '')}"[:400])
        self.save()

    def limit(self, name: str) -> float:
        cap = (DRY_CAPS if self.dry else CAPS).get(name, 60)
        return min(cap, self.left())


def _utc() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def run_process(command: list[str], timeout: float, env: dict | None = None) -> dict:
    """Run ``command`` in its own process group; the whole group is killed at ``timeout``."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=max(1.0, timeout))
        timed_out = False
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        timed_out = True
    return {"returncode": process.returncode, "timed_out": timed_out, "output": output or "",
            "seconds": round(time.monotonic() - started, 1)}  # fmt: skip


def _tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def environment(dry: bool) -> dict:
    import torch

    info = {"python": platform.python_version(), "torch": torch.__version__,
            "cpu_count": os.cpu_count(), "platform": platform.platform()}  # fmt: skip
    try:
        import transformers

        info["transformers"] = transformers.__version__
    except Exception as error:  # noqa: BLE001 - recorded, the parts will say more
        info["transformers"] = f"not importable: {error}"
    if not dry:
        free, total = torch.cuda.mem_get_info()
        info.update(gpu=torch.cuda.get_device_name(0), gpu_count=torch.cuda.device_count(),
                    cuda=torch.version.cuda, gpu_memory_gb=round(total / GB, 1),
                    gpu_free_gb=round(free / GB, 1),
                    bf16_supported=torch.cuda.is_bf16_supported())  # fmt: skip
    else:
        info["cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    return info


def equivalence(check: Check, scratch: Path) -> dict:
    report = scratch / "equivalence.jsonl"
    env = {"VIDEOSCAN_EQUIVALENCE_REPORT": str(report), "VIDEOSCAN_DEVICE": "cuda",
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",  # only pytest itself: none of the plugins there
           "VIDEOSCAN_DTYPES": "bfloat16,float16"}  # fmt: skip
    select = []
    if check.dry:
        env.update(VIDEOSCAN_DEVICE="cpu", VIDEOSCAN_DTYPES="bfloat16")
        select = ["-k", "llava and eviction"]
    junit = scratch / "equivalence.xml"
    command = [sys.executable, "-m", "pytest", "-q", "--noconftest", "-p", "no:cacheprovider",
               "-o", "addopts=", f"--junitxml={junit}", "tests/gpu/test_device_equivalence.py",
               *select]  # fmt: skip
    ran = run_process(command, check.limit("equivalence"), env)
    part = {"seconds": ran["seconds"], "device": env["VIDEOSCAN_DEVICE"],
            "dtypes": env["VIDEOSCAN_DTYPES"].split(",")}  # fmt: skip
    if report.exists():
        part["measurements"] = [json.loads(line) for line in report.read_text().splitlines()]
    if junit.exists():
        import xml.etree.ElementTree as ElementTree

        suite = ElementTree.parse(junit).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        counts = {key: int(suite.get(key, 0)) for key in ("tests", "failures", "errors", "skipped")}
        part.update(counts)
        part["failing"] = [
            f"{case.get('name')}: {(child.get('message') or '')[:300]}"
            for case in suite.iter("testcase") for child in case
            if child.tag in ("failure", "error")
        ]  # fmt: skip
    if ran["timed_out"]:
        return {**part, "status": "timeout", "error": _tail(ran["output"], 5)}
    if ran["returncode"] != 0 or not part.get("tests") or part.get("skipped") == part["tests"]:
        return {**part, "status": "failed", "error": _tail(ran["output"])}
    return {**part, "status": "ok"}


def fsdp_training(check: Check, scratch: Path) -> dict:
    model, output = scratch / "tiny-smolvlm2", scratch / "fsdp-out"
    make = [sys.executable, "-m", "videoscan_core.cli.main", "make-tiny-model", str(model),
            "--family", "smolvlm2"]  # fmt: skip
    made = run_process(make, check.limit("fsdp_training"))
    if made["returncode"] != 0:
        return {"status": "failed", "error": "make-tiny-model: " + _tail(made["output"])}
    steps = "2" if check.dry else "4"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
               "1", "-m", "videoscan_core.cli.main", "train", "--stage", "2", "--model",
               str(model), "--output", str(output), "--videos", "8", "--max-steps", steps,
               "--batch-size", "2", "--save-steps", "2", "--fsdp"]  # fmt: skip
    ran = run_process(command, check.limit("fsdp_training"), {"OMP_NUM_THREADS": "1"})
    part = {"seconds": round(made["seconds"] + ran["seconds"], 1), "command": " ".join(command)}
    if ran["timed_out"] or ran["returncode"] != 0:
        status = "timeout" if ran["timed_out"] else "failed"
        return {**part, "status": status, "error": _tail(ran["output"])}
    record = json.loads((output / "training.json").read_text())
    loss = record.get("train_loss")
    part.update(processes=record.get("processes"), fsdp_units=record.get("fsdp_units"),
                steps=record.get("steps"), train_loss=loss,
                sharded_checkpoint=(output / "checkpoints" / "checkpoint-2" / "sharded").is_dir(),
                device="cpu" if check.dry else "cuda")  # fmt: skip
    problems = [why for why, bad in (
        ("not sharded", not record.get("fsdp_units")),
        ("no finite training loss", not (isinstance(loss, float) and loss == loss)),
        ("no sharded checkpoint", not part["sharded_checkpoint"]),
    ) if bad]  # fmt: skip
    if problems:
        return {**part, "status": "failed", "error": ", ".join(problems)}
    return {**part, "status": "ok"}


def geometry(check: Check, scratch: Path, name: str, frames: int) -> dict:
    out = scratch / f"{name}.json"
    device, dtype = ("cpu", "float32") if check.dry else ("cuda", "bfloat16")
    if not check.dry:
        needed = _needed_gb(name)
        free = environment(False)["gpu_free_gb"]
        if free < needed:
            return {"status": "skipped",
                    "reason": f"needs about {needed:.0f} GB of GPU memory, {free:.0f} GB free"}
    limit = check.limit(name)
    command = [sys.executable, "-m", "benchmarks.device_run", "--geometry", name, "--device",
               device, "--dtype", dtype, "--out", str(out), "--budget-s", str(max(5, limit - 15)),
               "--soak-frames", str(frames)]  # fmt: skip
    ran = run_process(command, limit)
    part = json.loads(out.read_text()) if out.exists() else {}
    part["seconds"] = ran["seconds"]
    errors = [f"{stage}: {value['error']}" for stage, value in part.get("stages", {}).items()
              if "error" in value]  # fmt: skip
    if ran["timed_out"]:
        return {**part, "status": "timeout", "error": _tail(ran["output"], 5)}
    if ran["returncode"] != 0 or errors:
        return {**part, "status": "failed", "error": "; ".join(errors) or _tail(ran["output"])}
    return {**part, "status": "ok"}


def _needed_gb(name: str) -> float:
    """GPU memory to build the geometry (float32 weights, then bfloat16) and run it."""
    from . import geometries

    return geometries.parameter_count(name) * 4 / GB * 1.3 + 12


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True)
    parser.add_argument("--budget-s", type=float, default=420)
    parser.add_argument("--dry-run", action="store_true", help="the CPU run, even with CUDA")
    args = parser.parse_args()
    import torch

    dry = args.dry_run or not torch.cuda.is_available()
    check = Check(Path(args.output), args.budget_s, dry)
    if dry and not args.dry_run:
        check.result["skipped"].append("every GPU part: no CUDA device (torch.cuda reports none)")
    check.result["environment"] = environment(dry)
    check.save()
    parts = [("equivalence", equivalence), ("fsdp_training", fsdp_training)]
    geometries_run = (("tiny", 300),) if dry else GEOMETRIES
    parts += [(name, lambda c, s, n=name, f=frames: geometry(c, s, n, f))
              for name, frames in geometries_run]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="gpu_check-") as scratch:
        for name, part in parts:
            if check.left() < 10:
                check.record(name, {"status": "skipped", "reason": "out of time"})
                continue
            print(f"gpu_check: {name} ({check.limit(name):.0f} s at most)", file=sys.stderr)
            try:
                result = part(check, Path(scratch))
            except Exception as error:  # noqa: BLE001 - recorded; the next part runs
                result = {"status": "failed", "error": f"{type(error).__name__}: {error}"[:400]}
            check.record(name, result)
            print(f"gpu_check: {name}: {result['status']}", file=sys.stderr)
    check.result["finished"] = True
    check.save()
    print(f"gpu_check: wrote {check.output} ({check.result['seconds']} s); failed: "
          f"{len(check.result['failed'])}, skipped: {len(check.result['skipped'])}",
          file=sys.stderr)  # fmt: skip
    sys.exit(1 if check.result["failed"] else 0)


if __name__ == "__main__":
    main()
