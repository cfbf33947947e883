"""What this machine has: CPU count, RAM, and the first GPU (CUDA or Apple ``mps``).

For a CUDA GPU it also reports the memory free right now (``gpu_free_gb``; 0 when unknown) and
whether it computes in bfloat16 (``gpu_bf16``: compute capability 8.0 or newer; None when
unknown), which decide the model and dtype the catalogue recommends.

Contract: ``detect_hardware()`` returns a ``Hardware`` on every platform (RAM from psutil, so
Windows and macOS report their real memory). It never imports torch: when torch is already
imported it is asked about CUDA and MPS; otherwise ``nvidia-smi`` is asked (3 s at most), so a
GUI calling this does not pay for importing torch. An Apple GPU shares the machine's RAM, so its
memory is reported as the RAM size.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import psutil

GB = 1024**3


@dataclass(frozen=True)
class Hardware:
    cpu_count: int
    ram_gb: float
    gpu_name: str = ""
    gpu_memory_gb: float = 0.0
    gpu_free_gb: float = 0.0  # free now (0: unknown, the total is used)
    gpu_bf16: bool | None = None  # bfloat16 support (None: unknown)


def detect_hardware() -> Hardware:
    ram = psutil.virtual_memory().total / GB
    gpu_name, gpu_memory = _detect_gpu(ram)
    free, bf16 = _cuda_free_and_bf16() if gpu_memory and "mps" not in gpu_name else (0.0, None)
    cpus = psutil.cpu_count(logical=True) or 1
    return Hardware(cpus, round(ram, 1), gpu_name, round(gpu_memory, 1), round(free, 1), bf16)


def _detect_gpu(ram_gb: float) -> tuple[str, float]:
    """(name, GB) of the first GPU, or ("", 0.0)."""
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        if torch.cuda.is_available():
            properties = torch.cuda.get_device_properties(0)
            return properties.name, properties.total_memory / GB
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return "Apple GPU (mps)", ram_gb
        return "", 0.0
    return _nvidia_smi()


def _nvidia_smi() -> tuple[str, float]:
    try:
        output = (
            subprocess.run(
                ["nvidia-smi", "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
                capture_output=True,
                text=True,
                timeout=3,
                check=True,
            )
            .stdout.strip()
            .splitlines()
        )
        name, megabytes = output[0].rsplit(",", 1)
        return name.strip(), float(megabytes) / 1024
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return "", 0.0


def _cuda_free_and_bf16() -> tuple[float, bool | None]:
    """(free GB, bfloat16 support) of the first CUDA GPU; (0.0, None) when unknown."""
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            free = torch.cuda.mem_get_info(0)[0] / GB
            return free, torch.cuda.get_device_properties(0).major >= 8
        except (RuntimeError, AssertionError):
            return 0.0, None
    try:
        line = (
            subprocess.run(
                [
                    "nvidia-smi",
                    "--query-gpu=memory.free,compute_cap",
                    "--format=csv,noheader,nounits",
                ],
                capture_output=True,
                text=True,
                timeout=3,
                check=True,
            )
            .stdout.strip()
            .splitlines()[0]
        )
        return parse_free_and_capability(line)
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return 0.0, None


def parse_free_and_capability(line: str) -> tuple[float, bool | None]:
    """``"<free MiB>, <compute capability>"`` from nvidia-smi -> (free GB, bfloat16)."""
    free, capability = (part.strip() for part in line.split(","))
    try:
        bf16: bool | None = float(capability) >= 8.0
    except ValueError:  # "[N/A]" on some drivers
        bf16 = None
    return float(free) / 1024, bf16
