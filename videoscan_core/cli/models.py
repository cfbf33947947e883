"""``videoscan models list|recommend|cost|download ID|path ID``: the model manager in the CLI."""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(commands) -> None:
    parser = commands.add_parser("models", help="list, recommend and download models")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="the catalogue, with what is installed")
    listing.add_argument("--json", action="store_true", help="print one JSON list")
    actions.add_parser("recommend", help="the best model for this machine")
    actions.add_parser("cost", help="what a frame and the training-free memory cost, per model")
    fetch = actions.add_parser("download", help="download a model into the Hugging Face cache")
    fetch.add_argument("id", help="a catalogue id (or any hub repo id)")
    where = actions.add_parser("path", help="print where an installed model is")
    where.add_argument("id", help="a catalogue id (or any hub repo id)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..hub import catalogue, recommendation
    from ..hub.hardware import detect_hardware

    if args.action == "list":
        rows = []
        for item in catalogue.CATALOGUE:
            path = catalogue.installed_path(item)
            rows.append(
                {
                    "id": item.id,
                    "kind": item.kind,
                    "title": item.title,
                    "download_gb": item.download_gb,
                    "cpu_ram_gb": item.cpu_ram_gb,
                    "gpu_vram_gb": item.gpu_vram_gb,
                    "installed": str(path) if path else None,
                    "notes": item.notes,
                    "family": item.family,
                    "licence": item.licence,
                    "speed_class": item.speed_class,
                    "preset": item.preset,
                }
            )
        if args.json:
            print(json.dumps(rows))
            return 0
        for row in rows:
            mark = "installed" if row["installed"] else f"{row['download_gb']:.2f} GB download"
            memory = f"RAM {row['cpu_ram_gb']:g} GB"
            if row["gpu_vram_gb"]:
                memory += f", GPU {row['gpu_vram_gb']:g} GB"
            print(f"{row['id']:<45} {row['kind']:<7} {mark:<20} {memory}")
        return 0
    if args.action == "recommend":
        from ..hub.frame_cost import frame_cost

        hardware = detect_hardware()
        best, why = recommendation.recommend(hardware)
        cost = frame_cost(best)
        print(f"{best.id}\n{why}" + (f"\n{cost.line()}" if cost else ""))
        return 0
    if args.action == "cost":
        return _cost_table(catalogue.CATALOGUE)
    if args.action == "path":
        path = catalogue.installed_path(catalogue.entry(args.id))
        if path is None:
            from ..errors import ModelNotFoundError

            raise ModelNotFoundError(
                f"{args.id} is not installed; run: videoscan models download {args.id}"
            )
        print(path)
        return 0
    return _download(args.id)


def _cost_table(catalogue) -> int:
    from ..hub.frame_cost import frame_cost

    print(
        f"{'model':<45} {'1080p tokens':>12} {'top-k':>5} {'entries':>7} {'dtype':>8} "
        f"{'cache':>9}"
    )
    for entry in catalogue:
        cost = frame_cost(entry)
        if cost is not None:
            size = f"{cost.cache_bytes / 2**20:,.0f} MiB"
            print(
                f"{entry.id:<45} {cost.frame_tokens:>12} {cost.keep_topk:>5} "
                f"{cost.entries:>7,} {cost.dtype:>8} {size:>9}"
            )
    return 0


def _download(model_id: str) -> int:
    from tqdm import tqdm

    from ..hub import downloads

    bars: list = []  # created on the first progress report, so errors print only their line
    said = {"stall": 0.0}  # the stall last reported, so a long stall prints every 10 s

    def show(progress: downloads.DownloadProgress) -> None:
        if progress.stalled_s:
            if said["stall"] and progress.stalled_s < said["stall"] + 10:
                return
            said["stall"] = progress.stalled_s
            message = (
                f"videoscan: no data from the hub for {progress.stalled_s:.0f} s; still "
                "waiting (Ctrl-C stops, finished files are kept)"
            )
            (bars[0].write if bars else print)(message, file=sys.stderr)
            return
        said["stall"] = 0.0
        if not bars:
            bars.append(
                tqdm(
                    unit="B",
                    unit_scale=True,
                    unit_divisor=1024,
                    desc=model_id,
                    file=sys.stderr,
                    total=progress.total or None,
                )
            )
        bars[0].n = progress.downloaded
        bars[0].refresh()

    try:
        path = downloads.download(model_id, show)
    finally:
        for bar in bars:
            bar.close()
    print(path)
    return 0
