"""What this machine has: CPU count, RAM, and the first GPU (CUDA or Apple ``mps``).

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


def detect_hardware() -> Hardware:
    ram = psutil.virtual_memory().total / GB
    gpu_name, gpu_memory = _detect_gpu(ram)
    cpus = psutil.cpu_count(logical=True) or 1
    return Hardware(cpus, round(ram, 1), gpu_name, round(gpu_memory, 1))


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
