"""The bundled model's trained parts, and assembling them with the base language model.

Contract: the parts trained here (vision tower, connector, LoRA adapters of the language model)
are one safetensors file, ``PARTS_FILE`` (names ``model.vision_model.*``, ``model.connector.*``,
``lora.<decoder-relative name>``), plus ``PARTS_JSON`` (the vision geometry and seed, the LoRA
settings, the base model it was trained on). ``save_parts(vlm, folder, settings, dtype)`` writes
them from a model in training; ``load_parts(vlm, folder)`` puts them back (every name must fit).
``assemble(parts, base, target)`` builds the SmolVLM2 model on the converted SmolLM2
(``smollm2_vlm.build_smollm2_vlm``), loads the parts and writes a folder ``load_model`` loads:
the full checkpoint, ``videoscan-lora.safetensors`` and ``videoscan.json`` (``"lora"``, no time
instruction), the model card (``README.md`` of the parts folder, when there is one); temporary
folder then rename, ``videoscan-source.json`` last, recording the parts' sha256 so
``assembled_ok(target, parts)`` knows a folder built from other parts. As a command:
``python -m videoscan_core.demo_model PARTS_FOLDER TARGET``.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import torch

from .adapters.lora import LORA_FILE, LoraSettings, lora_state
from .smollm2 import GGUF_SHA256, WHEEL_REQUIREMENT, read_source, sha256_of
from .tiny.smolvlm import SmolGeometry

PARTS_FILE = "videoscan-demo-parts.safetensors"
PARTS_JSON = "parts.json"
VISION_PREFIXES = ("model.vision_model.", "model.connector.")


def trained_parameters(vlm) -> dict[str, torch.nn.Parameter]:
    """The parameters the bundled model trains: vision tower, connector, LoRA (by name)."""
    named = dict(vlm.model.named_parameters())
    picked = {n: p for n, p in named.items() if n.startswith(VISION_PREFIXES) or ".lora_" in n}
    return picked


def save_parts(vlm, folder: Path, settings: LoraSettings, geometry: SmolGeometry, seed: int,
               dtype: torch.dtype = torch.float32) -> Path:
    from safetensors.torch import save_file

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {n: t for n, t in vlm.model.state_dict().items() if n.startswith(VISION_PREFIXES)}
    state.update({f"lora.{n}": t for n, t in lora_state(vlm.decoder).items()})
    state = {n: t.detach().to("cpu", dtype).contiguous() for n, t in state.items()}
    save_file(state, str(folder / PARTS_FILE))
    record = {"format": 1, "base": {"requirement": WHEEL_REQUIREMENT, "gguf_sha256": GGUF_SHA256},
              "vision": asdict(geometry), "seed": seed, "lora": settings.to_json(),
              "settings": {"family": "smolvlm2", "time_instruction": False}}
    (folder / PARTS_JSON).write_text(json.dumps(record, indent=2) + "\n")
    return folder


def read_parts(folder: Path) -> dict:
    return json.loads((Path(folder) / PARTS_JSON).read_text())


def load_parts(vlm, folder: Path) -> None:
    """Put saved vision, connector and LoRA weights into ``vlm`` (LoRA already injected)."""
    from safetensors.torch import load_file

    state = load_file(str(Path(folder) / PARTS_FILE))
    vision = {n: t for n, t in state.items() if not n.startswith("lora.")}
    lora = {n[len("lora."):]: t for n, t in state.items() if n.startswith("lora.")}
    expected = {n for n in vlm.model.state_dict() if n.startswith(VISION_PREFIXES)}
    if set(vision) != expected or set(lora) != set(lora_state(vlm.decoder)):
        raise ValueError(f"{folder / PARTS_FILE} does not fit this model")
    dtype = vlm.dtype
    vlm.model.load_state_dict({n: t.to(dtype) for n, t in vision.items()}, strict=False)
    vlm.decoder.load_state_dict({n: t.to(dtype) for n, t in lora.items()}, strict=False)


def assemble(parts: Path, base: Path, target: Path) -> Path:
    """Write the loadable model folder from ``parts`` and the converted SmolLM2 ``base``."""
    from safetensors.torch import load_file, save_file

    from .smollm2_vlm import build_smollm2_vlm, save_smollm2_vlm

    parts = Path(parts)
    record = read_parts(parts)
    model, tokenizer = build_smollm2_vlm(base, record["seed"], SmolGeometry(**record["vision"]))
    state = load_file(str(parts / PARTS_FILE))
    vision = {n: t.float() for n, t in state.items() if not n.startswith("lora.")}
    missing, unexpected = model.load_state_dict(vision, strict=False)
    if unexpected or any(n.startswith(VISION_PREFIXES) for n in missing):
        raise ValueError(f"{parts / PARTS_FILE} does not fit the SmolVLM2 model")
    lora = {n[len("lora."):]: t.float().contiguous() for n, t in state.items()
            if n.startswith("lora.")}
    card = parts / "README.md"
    readme = card.read_text() if card.is_file() else "# VideoScan demo model\n"

    def extra(scratch: Path) -> None:
        save_file(lora, str(scratch / LORA_FILE))
        settings = {**record["settings"], "lora": record["lora"]}
        (scratch / "videoscan.json").write_text(json.dumps(settings, indent=2) + "\n")

    return save_smollm2_vlm(model, tokenizer, target, readme, extra,
                            parts_sha256=sha256_of(parts / PARTS_FILE))


def assembled_ok(target: Path, parts: Path) -> bool:
    source = read_source(Path(target))
    return (source is not None and (Path(parts) / PARTS_FILE).is_file()
            and source.get("parts_sha256") == sha256_of(Path(parts) / PARTS_FILE))


def main(argv: list[str] | None = None) -> int:
    """``python -m videoscan_core.demo_model PARTS_FOLDER TARGET``: assemble a model from parts
    trained elsewhere (a GPU machine's WORK/parts) with set-up's converted SmolLM2."""
    import sys

    from .smollm2 import base_lm_folder

    args = sys.argv[1:] if argv is None else argv
    base = base_lm_folder()
    if len(args) != 2 or base is None:
        sys.stderr.write("usage: python -m videoscan_core.demo_model PARTS_FOLDER TARGET "
                         "(after scripts/setup.sh)\n")
        return 2
    assemble(Path(args[0]), base, Path(args[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
