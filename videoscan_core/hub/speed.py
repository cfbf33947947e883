"""How fast the catalogue's CPU models stream: one measured figure per vision runtime, with the
command that measured it and the machine. The one home of these numbers: README (checked by
``tests/test_readme.py``), ``videoscan models recommend`` and the app's model manager quote
``describe(model_id)``; nothing else states a CPU speed.

Contract: ``FRAME_TIMES`` holds ``FrameTime`` records (seconds per streamed frame, the family's
training-free preset, random weights of the published shape); ``describe(model_id)`` is the figures
in words ("" for a model never measured), ``measured_with(model_id)`` how and with which commands,
``first_start(model_id)`` what the first start with the OpenVINO runtime costs. To update a figure,
run its ``command`` on a quiet machine, put the JSON's ``wall_s_per_frame`` in the record and say
so in ``HOW`` (and ``MACHINE``), then copy the sentence the README test asks for into README.
"""

from __future__ import annotations

from dataclasses import dataclass

# The machine the figures below come from, and how its time was read.
MACHINE = "2 CPU cores (AMD EPYC with AVX-512 BF16)"
HOW = "process CPU time / 2 on a loaded machine"
COMMAND = "python -m benchmarks.cpu_frame_time --geometry {geometry} --frames 5 --threads 2 --json"
RUNTIME_NAMES = {"openvino": "the OpenVINO vision runtime", "torch": "PyTorch alone"}
FIRST_START = (
    "the first start converts the vision tower for OpenVINO once (64 to 183 s measured), "
    "later starts take under a second"
)


@dataclass(frozen=True)
class FrameTime:
    model: str  # catalogue id
    geometry: str  # benchmarks/geometries.py name of its shape
    runtime: str  # "openvino" (the default where installed) or "torch"
    seconds: float  # per streamed frame
    machine: str = MACHINE
    how: str = HOW

    @property
    def command(self) -> str:
        flag = "" if self.runtime == "openvino" else f" --vision-runtime {self.runtime}"
        return COMMAND.format(geometry=self.geometry) + flag


FRAME_TIMES: tuple[FrameTime, ...] = (
    FrameTime("HuggingFaceTB/SmolVLM2-256M-Video-Instruct", "smolvlm2-256m", "openvino", 0.49),
    FrameTime("HuggingFaceTB/SmolVLM2-256M-Video-Instruct", "smolvlm2-256m", "torch", 2.67),
    FrameTime("HuggingFaceTB/SmolVLM2-500M-Video-Instruct", "smolvlm2-500m", "torch", 4.6),
)


def figures(model_id: str) -> list[FrameTime]:
    return [figure for figure in FRAME_TIMES if figure.model == model_id]


def describe(model_id: str) -> str:
    """E.g. "about 0.49 s per frame (2.0 frames/s) with the OpenVINO vision runtime, 2.67 s
    (0.4 frames/s) with PyTorch alone, on 2 CPU cores (...)"; "" if never measured."""
    found = figures(model_id)
    if not found:
        return ""
    parts = [
        f"{figure.seconds:g} s{' per frame' if index == 0 else ''} "
        f"({1 / figure.seconds:.1f} frames/s) with {RUNTIME_NAMES[figure.runtime]}"
        for index, figure in enumerate(found)
    ]
    return f"about {', '.join(parts)}, on {found[0].machine}"


def measured_with(model_id: str) -> str:
    """How ``describe``'s figures were read and the commands that read them."""
    found = figures(model_id)
    commands = " and ".join(f"`{figure.command}`" for figure in found)
    return f"{found[0].how}: {commands}" if found else ""


def first_start(model_id: str) -> str:
    """What the first start costs, where the figures include the OpenVINO runtime."""
    return FIRST_START if any(f.runtime == "openvino" for f in figures(model_id)) else ""
